"""Settings › IA in headless Chromium, against `ponte serve`: the key goes in, never out."""

from pathlib import Path

import pytest

from tests.browser import chromium, sign_in
from tests.procs import Server, isolated_env, ponte_init

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
KEY = "AIzaSyD-navegador-0123456789-fimWXYZ"


def test_the_owner_chooses_gemini_saves_a_key_and_sees_only_its_end(tmp_path, chromium_path):
    with isolated_env(tmp_path) as env:
        made = ponte_init(env, "wppconnect", "Loja")
        with Server(env) as server, chromium(chromium_path) as browser:
            page = browser.new_context(viewport=DESKTOP).new_page()
            sign_in(page, server.base, made["owner_email"], made["owner_password"])
            page.goto(server.base + "/settings/whatsapp/")
            page.click(".settings-nav a:has-text('IA')")
            page.wait_for_selector("h1:has-text('Configurações › IA')")
            assert "0 de 500 chamadas hoje" in page.locator("#usage").inner_text()

            page.check("input[name=provider][value=gemini]")
            page.fill("#ai-key", KEY)
            page.fill("#ai-style", "Trate por você, <b>sem</b> gírias.")
            page.fill("#ai-budget", "50")
            page.click("#ai-form button[type=submit]")
            page.wait_for_selector(".notice:has-text('Configurações da IA salvas.')")
            assert "…WXYZ" in page.locator("#key-state").inner_text()
            assert page.input_value("#ai-key") == ""
            assert KEY not in page.content()
            assert page.input_value("#ai-style") == "Trate por você, <b>sem</b> gírias."
            assert "0 de 50 chamadas hoje" in page.locator("#usage").inner_text()

            page.set_viewport_size(PHONE)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "settings-ai-phone.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            page.set_viewport_size(DESKTOP)
            page.screenshot(path=str(ARTIFACTS / "settings-ai-desktop.png"), full_page=True)

            page.click("#remove-key-form button")
            page.wait_for_selector(".notice:has-text('Chave removida.')")
            assert "Nenhuma chave salva." in page.locator("#key-state").inner_text()
            assert page.locator("#missing-key").count() == 1
