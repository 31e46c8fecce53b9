"""Settings › Privacidade in headless Chromium, against `ponte serve`."""

import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.browser import chromium, sign_in
from tests.procs import Server, isolated_env, ponte_init, wait_for
from tests.support import wppconnect_text

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PERSON_8 = "553187654321"  # the legacy 8-digit JID WhatsApp writes for +55 31 98765-4321
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def stored_chat(api: httpx.Client, e164: str) -> bool:
    chats = api.get("/api/v1/conversations", params={"limit": 200}).json()["items"]
    return any(chat["contact"]["e164"] == e164 for chat in chats)


def test_a_number_is_hidden_from_the_page_and_shown_again_after_a_warning(
        tmp_path, chromium_path):
    with isolated_env(tmp_path) as env:
        made = ponte_init(env, "wppconnect", "Loja")
        with Server(env) as server, chromium(chromium_path) as browser:
            body = wppconnect_text(PERSON_8, uuid.uuid4().hex, "segredo de família",
                                   int(time.time())) | {"notifyName": "Tia Rosa"}
            assert httpx.post(server.base + made["webhook_url"], json=body,
                              timeout=10).status_code == 200
            api = httpx.Client(base_url=server.base, timeout=10,
                               headers={"Authorization": f"Bearer {made['api_key']}"})
            wait_for(lambda: stored_chat(api, "+5531987654321"), timeout=30)

            page = browser.new_context(viewport=DESKTOP).new_page()
            sign_in(page, server.base, made["owner_email"], made["owner_password"])
            page.goto(server.base + "/settings/whatsapp/")
            page.click(".settings-nav a:has-text('Privacidade')")
            page.wait_for_selector("h1:has-text('Configurações › Privacidade')")

            page.fill("#hide-phone", "(31) 98765-4321")
            page.fill("#hide-note", "família")
            page.click("#hide-form button[type=submit]")
            notice = page.wait_for_selector(".notice:has-text('ocultado')").inner_text()
            assert "+55 31 98765-4321" in notice and "1 mensagem" in notice
            assert "1 conversa" in notice and "1 contato" in notice
            row = page.locator(".hidden-numbers tbody tr[data-e164='+5531987654321']")
            assert "família" in row.inner_text()
            assert not stored_chat(api, "+5531987654321")

            page.set_viewport_size(PHONE)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "settings-privacy-phone.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            page.set_viewport_size(DESKTOP)

            row.locator("a:has-text('Voltar a mostrar')").click()
            warning = page.wait_for_selector(".confirm:has-text('não volta')").inner_text()
            assert "só as mensagens novas serão guardadas" in warning
            page.wait_for_timeout(300)
            assert row.count() == 1, "one click must not show the number again"

            page.click("button:has-text('Sim, voltar a mostrar')")
            page.wait_for_selector(".notice:has-text('voltou a aparecer')")
            assert page.locator(".hidden-numbers").count() == 0
            trail = page.locator("#audit").inner_text()
            assert "Número ocultado" in trail and "Número voltou a aparecer" in trail
