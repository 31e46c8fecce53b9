"""Internal notes between two attendants, each in a browser of their own, against
`ponte serve` and the WPPConnect emulator: the note is live for the other, never sent."""

import subprocess
import sys
from contextlib import contextmanager

import httpx
import pytest

from emulators.wppconnect import Emulator
from tests.browser import chromium, sign_in
from tests.procs import Server, isolated_env, ponte_init, wait_for
from tests.test_workspace_browser import (
    ARTIFACTS,
    DESKTOP,
    inbound,
    open_chat,
    sends,
    signed_in_page,
)

pytestmark = pytest.mark.slow
SECRET = "notes-browser-secret-01"
BIA = ("bia@loja.local", "bia-senha-forte-1")

ADD_BIA = """
import sys, django
django.setup()
from django.contrib.auth import get_user_model
from ponte.accounts.models import Member, Role
org_id, email, password = sys.argv[1:]
user = get_user_model().objects.create_user(username=email, email=email, password=password,
                                            first_name="Bia", last_name="Lima")
Member.objects.create(org_id=org_id, user=user, role=Role.AGENT)
"""


@contextmanager
def shop_with_two_attendants(data_dir, browser):
    emulator = Emulator(secrets=[SECRET], logged_in=True, auto_ack=False).start()
    try:
        with isolated_env(data_dir) as env:
            env = env | {"PONTE_SUPERVISOR_PERIOD_SECONDS": "1"}
            made = ponte_init(env, "wppconnect", "Loja Centro", "--engine-url",
                              emulator.base_url, "--secret", SECRET)
            subprocess.run([sys.executable, "-c", ADD_BIA, made["organization_id"], *BIA],
                           check=True, timeout=60,
                           env=env | {"DJANGO_SETTINGS_MODULE": "ponte.settings"})
            with Server(env) as server:
                api = httpx.Client(base_url=server.base, timeout=10,
                                   headers={"Authorization": f"Bearer {made['api_key']}"})
                wait_for(lambda: api.get("/api/v1/instance").json()["state"] == "connected")
                yield type("Shop", (), {"server": server, "made": made, "emulator": emulator,
                                        "browser": browser, "api": api})
    finally:
        emulator.stop()


@contextmanager
def bias_page(browser, base: str):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.on("console", lambda message: print("bia console:", message.type, message.text))
    try:
        sign_in(page, base, *BIA)
        page.wait_for_selector("#live-state[data-live=live]")
        yield page
    finally:
        context.close()


def test_a_note_mentioning_a_colleague_shows_live_in_her_chat_and_bell_and_is_never_sent(
        tmp_path, chromium_path):
    with chromium(chromium_path) as browser, shop_with_two_attendants(tmp_path, browser) as shop:
        inbound(shop, "5531911119001", "quero trocar o tênis 42", "Ana Souza")
        with signed_in_page(browser, shop.server.base, shop.made) as caio, \
                bias_page(browser, shop.server.base) as bia:
            caio.reload()
            open_chat(caio, "Ana Souza")
            bia.reload()
            open_chat(bia, "Ana Souza")
            assert bia.locator("#bell-count").is_hidden()

            caio.click(".composer-modes .note-mode")
            assert caio.locator("#composer").is_hidden()
            assert "o cliente não vê" in caio.locator("#note-composer").inner_text()
            caio.locator("#note-composer textarea").press_sequentially("@Bi")
            caio.wait_for_selector("#mention-list li:has-text('Bia Lima')")
            caio.keyboard.press("Enter")
            caio.locator("#note-composer textarea").press_sequentially("pode ligar pra ela?")
            caio.keyboard.press("Enter")
            caio.wait_for_selector("#history .note:has-text('pode ligar pra ela?')")
            ARTIFACTS.mkdir(exist_ok=True)
            caio.screenshot(path=str(ARTIFACTS / "note-written.png"))

            bia.wait_for_selector("#history .note:has-text('pode ligar pra ela?')")
            assert bia.locator("#history .note .mention").inner_text() == "@Bia"
            bia.wait_for_function(
                "() => document.querySelector('#bell-count').textContent.trim() === '1'")
            assert bia.locator("#bell-count").is_visible()
            bia.click("#bell .bell-button")
            bia.wait_for_selector("#bell-panel li:has-text('mencionou você em Ana Souza')")
            bia.screenshot(path=str(ARTIFACTS / "note-bell.png"))
            assert caio.locator("#bell-count").is_hidden()  # only Bia's bell rings

            bia.goto(shop.server.base + "/")
            bia.wait_for_selector("#live-state[data-live=live]")
            inbound(shop, "5531911119002", "oi, alguém aí?", "Bruno Lima")
            bia.wait_for_function("() => document.title.startsWith('(1) ')")

        assert sends(shop) == []
        messages = shop.api.get("/api/v1/messages", params={"q": "ligar"}).json()["items"]
        assert messages == []
