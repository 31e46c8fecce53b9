"""Status and assignment in the chat header, live, in headless Chromium against `ponte serve`:
a resolved chat shows "Aberta" again when the customer writes, and a chat one attendant
gives to another shows as theirs on the other's open page."""

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

from emulators.wppconnect import Emulator
from tests.browser import chromium, sign_in
from tests.procs import Server, isolated_env, ponte_init, wait_for
from tests.test_workspace_browser import DESKTOP, inbound, open_chat

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SECRET = "desk-flow-secret-0001"
AGENT = ("caio@loja.local", "caio-senha-123")

ADD_AGENT = """
import sys, django
django.setup()
from django.contrib.auth import get_user_model
from ponte.accounts.models import Member, Role
org_id, email, password = sys.argv[1:]
user = get_user_model().objects.create_user(username=email, email=email, password=password,
                                            first_name="Caio")
Member.objects.create(org_id=org_id, user=user, role=Role.AGENT)
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory, chromium_path):
    emulator = Emulator(secrets=[SECRET], logged_in=True, auto_ack=False).start()
    with isolated_env(tmp_path_factory.mktemp("desk-flow")) as env:
        env = env | {"PONTE_SUPERVISOR_PERIOD_SECONDS": "1"}
        made = ponte_init(env, "wppconnect", "Loja Centro", "--engine-url", emulator.base_url,
                          "--secret", SECRET)
        subprocess.run([sys.executable, "-c", ADD_AGENT, made["organization_id"], *AGENT],
                       check=True, timeout=60,
                       env=env | {"DJANGO_SETTINGS_MODULE": "ponte.settings"})
        with Server(env) as server, chromium(chromium_path) as browser:
            yield SimpleNamespace(server=server, made=made, browser=browser, emulator=emulator)
    emulator.stop()


@contextmanager
def tab(shop, email: str, password: str):
    context = shop.browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.on("console", lambda message: print("console:", message.type, message.text))
    sign_in(page, shop.server.base, email, password)
    page.wait_for_selector("#live-state[data-live=live]")
    try:
        yield page
    finally:
        context.close()


def owner_tab(shop):
    return tab(shop, shop.made["owner_email"], shop.made["owner_password"])


def test_a_resolved_chat_shows_open_again_live_when_the_customer_writes(shop):
    inbound(shop, "5531911120001", "obrigada, era isso", "Ana Resolvida")
    with owner_tab(shop) as page:
        page.wait_for_selector(".chat-row:has-text('Ana Resolvida')")
        open_chat(page, "Ana Resolvida")
        assert page.inner_text("#chat-flow .status-badge") == "Aberta"

        page.click("#chat-flow .status-menu summary")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "desk-flow-status-menu.png")
        page.click("#chat-flow .status-menu button[value=resolved]")
        page.wait_for_selector("#chat-flow .status-badge[data-status=resolved]")
        page.wait_for_selector("#history .timeline-event:has-text('marcou como resolvida')")

        inbound(shop, "5531911120001", "na verdade, mais uma coisa")

        page.wait_for_selector("#history .msg:has-text('na verdade, mais uma coisa')")
        page.wait_for_selector("#chat-flow .status-badge[data-status=open]")
        assert page.inner_text("#chat-flow .status-badge") == "Aberta"
        page.wait_for_selector("#history .timeline-event:has-text('Reaberta: o cliente escreveu')")


def test_a_chat_given_to_a_colleague_shows_as_theirs_on_their_open_page(shop):
    inbound(shop, "5531911120002", "quero trocar o tamanho", "Beto Troca")
    with owner_tab(shop) as giver, tab(shop, *AGENT) as taker:
        for page in (giver, taker):
            page.wait_for_selector(".chat-row:has-text('Beto Troca')")
            open_chat(page, "Beto Troca")
        assert taker.inner_text("#chat-flow .assignee-name") == "Sem responsável"

        giver.click("#chat-flow .assign-menu summary")
        giver.select_option("#chat-flow select[name=assignee]", label="Caio")
        giver.fill("#chat-flow input[name=note]", "troca do 42 pelo 43")
        giver.screenshot(path=ARTIFACTS / "desk-flow-assign-menu.png")
        giver.click("#chat-flow .assign-menu button[type=submit]")

        taker.wait_for_selector("#chat-flow .assignee-name:has-text('Caio')")
        taker.wait_for_selector(
            "#history .timeline-event:has-text('atribuiu a Caio: troca do 42 pelo 43')")
        assert taker.inner_text("#assign button") == "Liberar"  # it is theirs now
        wait_for(lambda: "Caio" in giver.inner_text("#chat-flow .assignee-name"))


def test_on_a_phone_the_header_still_shows_the_status_and_its_menu(shop):
    inbound(shop, "5531911120003", "oi, bom dia", "Carla Celular")
    with owner_tab(shop) as page:
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_selector(".chat-row:has-text('Carla Celular')")
        open_chat(page, "Carla Celular")
        assert page.locator("#chat-flow .status-badge").is_visible()

        page.click("#chat-flow .status-menu summary")
        page.screenshot(path=ARTIFACTS / "desk-flow-phone.png")
        page.click("#chat-flow .status-menu button[value=pending]")
        page.wait_for_selector("#chat-flow .status-badge[data-status=pending]")

        page.click("#chat-flow .assign-menu summary")
        menu = page.locator("#chat-flow .assign-menu .flow-form").bounding_box()
        assert menu["x"] >= 0 and menu["x"] + menu["width"] <= 390  # all of it on screen
