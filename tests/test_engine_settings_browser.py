"""Settings › WhatsApp › Motor in headless Chromium: an instance made without an engine is fixed."""

from pathlib import Path

import pytest

from emulators.wppconnect import Emulator
from tests.browser import chromium
from tests.procs import Server, isolated_env, ponte_init, wait_for
from tests.test_settings_browser import PHONE, sign_in

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SECRET = "engine-browser-secret-01"


def test_the_owner_sets_the_engine_on_a_phone_and_the_session_connects(tmp_path, chromium_path):
    with Emulator(secrets=[SECRET], logged_in=True) as emulator, \
            isolated_env(tmp_path) as env, chromium(chromium_path) as browser:
        env = env | {"PONTE_SUPERVISOR_PERIOD_SECONDS": "1"}
        made = ponte_init(env, "wppconnect", "Loja")  # no --engine-url
        with Server(env) as server:
            page = browser.new_context(viewport=PHONE).new_page()
            sign_in(page, server.base, made["owner_email"], made["owner_password"])
            page.goto(server.base + "/settings/whatsapp/")

            page.fill("#engine-url", emulator.base_url)
            page.fill("#engine-secrets", SECRET)
            page.click(".engine-form button[type=submit]")

            page.wait_for_selector(".notice.success")
            assert "Configurações do motor salvas" in page.inner_text(".notices")
            assert page.input_value("#engine-url") == emulator.base_url
            assert page.input_value("#engine-secrets") == "", "the secret was shown back"
            wait_for(lambda: page.reload() or "Conectado" in page.inner_text(".instance-status"))
            overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "settings-engine-phone.png"), full_page=True)
            assert overflow <= 0, "the engine form is wider than a phone"
