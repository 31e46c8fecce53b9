"""Settings › WhatsApp in headless Chromium, against `ponte serve` and the WPPConnect emulator."""

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from emulators.wppconnect import Emulator
from tests.browser import chromium, sign_in
from tests.procs import Server, isolated_env, ponte_init, wait_for

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SECRET = "settings-browser-secret-01"
AGENT = ("agente@loja.local", "agente-senha-123")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

ADD_AGENT = """
import sys, django
django.setup()
from django.contrib.auth import get_user_model
from ponte.accounts.models import Member, Role
org_id, email, password = sys.argv[1:]
user = get_user_model().objects.create_user(username=email, email=email, password=password)
Member.objects.create(org_id=org_id, user=user, role=Role.AGENT)
"""


def add_agent(env: dict, org_id: str) -> None:
    subprocess.run([sys.executable, "-c", ADD_AGENT, org_id, *AGENT], check=True, timeout=60,
                   env=env | {"DJANGO_SETTINGS_MODULE": "ponte.settings"})



def shown_qr(page) -> str:
    image = page.locator(".qr img")
    return (image.get_attribute("src") or "") if image.count() else ""


def engine_qr(emulator: Emulator, session: str) -> str:
    png = emulator.qr_png(session)
    return f"data:image/png;base64,{base64.b64encode(png).decode()}" if png else ""


def logouts(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests if r.path.endswith("/logout-session"))


def test_settings_shows_the_qr_code_and_reset_asks_before_making_a_fresh_one(
        tmp_path, chromium_path):
    emulator = Emulator(secrets=[SECRET]).start()  # no saved login: a start shows a QR code
    try:
        with isolated_env(tmp_path) as env:
            env = env | {"PONTE_SUPERVISOR_PERIOD_SECONDS": "2"}
            made = ponte_init(env, "wppconnect", "Loja", "--engine-url", emulator.base_url,
                              "--secret", SECRET)
            add_agent(env, made["organization_id"])
            session = f"ponte-{made['instance_id'].replace('-', '')}"
            with Server(env) as server, chromium(chromium_path) as browser:
                owner = browser.new_context(viewport=DESKTOP)
                page = owner.new_page()
                sign_in(page, server.base, made["owner_email"], made["owner_password"])
                page.goto(server.base + "/settings/whatsapp/")

                # The supervisor starts the session; the polled partial brings its QR code.
                first = wait_for(lambda: (qr := shown_qr(page)) and qr == engine_qr(
                    emulator, session) and qr, timeout=45)
                assert page.locator(".state.qrcode").is_visible()
                shown_url = page.locator("#webhook-url").inner_text()
                assert shown_url == server.base + made["webhook_url"]
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "settings-desktop.png"), full_page=True)

                # The phone reads it; a reset total of a connected number logs it out.
                emulator.scan_qr(session)
                page.wait_for_selector(".state.connected", timeout=30_000)
                before = logouts(emulator)
                page.click("#reset-button")
                page.wait_for_selector(".confirm:has-text('Fazer o reset total da instância?')")
                page.wait_for_timeout(500)
                assert logouts(emulator) == before, "one click must not reset the instance"

                page.click("button:has-text('Sim, fazer o reset total')")
                # It runs in the background; the session card says "feito" with the QR code.
                page.wait_for_selector(".reset-progress:has-text('Reset total feito')",
                                       timeout=30_000)
                assert logouts(emulator) > before
                assert emulator.browsers(session) == 1
                wait_for(lambda: (qr := shown_qr(page)) and qr != first and qr == engine_qr(
                    emulator, session), timeout=30)

                page.set_viewport_size(PHONE)
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
                assert page.locator("#reset-button").is_visible()
                assert page.locator(".qr img").is_visible()
                page.screenshot(path=str(ARTIFACTS / "settings-phone.png"), full_page=True)
                owner.close()

                agent = browser.new_context(viewport=PHONE)
                page = agent.new_page()
                sign_in(page, server.base, *AGENT)
                assert page.locator("a:has-text('Configurações')").count() == 0
                assert page.goto(server.base + "/settings/whatsapp/").status == 403
                agent.close()
    finally:
        emulator.stop()
