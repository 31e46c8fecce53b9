"""The ERP customer beside the chat, in a real headless Chromium against `ponte demo`."""

from pathlib import Path

import pytest

from tests.browser import chromium, click_until, sign_in
from tests.procs import free_port, isolated_env
from tests.test_demo_page import start_demo

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def test_the_chat_shows_the_erp_customer_and_a_virtual_chat_shows_one_at_once(tmp_path,
                                                                             chromium_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with isolated_env(tmp_path) as env:
        proc = start_demo(env, port)
        try:
            with chromium(chromium_path) as browser:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                sign_in(page, base, "demo@ponte.local", "demo-ponte")
                click_until(page, ".chat-row:has-text('Ana Souza')",
                            ".chat-head:has-text('Ana Souza')")
                card = page.locator(".erp-customer")
                card.wait_for()
                assert card.locator(".erp-name").inner_text() == "Ana Souza"
                assert card.locator(".erp-total").inner_text() == "R$ 339,80"
                assert "R$ 45,90 · vence em 3 dias" in card.locator(".erp-cashback").inner_text()
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "erp-panel.png"), full_page=True)

                click_until(page, ".chat-row:has-text('Bruno Lima')",  # his wife's record
                            ".erp-shared")
                assert page.locator(".erp-customer").count() == 2
                other_tab = context.new_page()  # the same attendant, a second tab
                other_tab.goto(page.url)
                other_tab.wait_for_selector("#live-state[data-live=live]")
                page.click("button.choose-customer:has-text('Marina Lima')")
                page.wait_for_selector(".erp-customer.chosen:has-text('Marina Lima')")
                assert "Esta conversa é sobre: Marina Lima." in page.locator(
                    ".erp-shared").inner_text()
                other_tab.wait_for_selector(".erp-customer.chosen:has-text('Marina Lima')")
                other_tab.close()

                page.goto(base + "/chat/?phone=31995551234&text=Oi%2C%20Fernanda!")
                assert page.locator(".customer-panel h2").inner_text() == "Fernanda Alves"
                assert page.locator(".chat-head .who strong").inner_text() == "Fernanda Alves"
                card = page.locator(".erp-customer")
                assert card.locator(".erp-total").inner_text() == "R$ 459,90"
                assert "R$ 80,00" in card.locator(".erp-cashback").inner_text()
                assert page.locator("#composer textarea").input_value() == "Oi, Fernanda!"
        finally:
            proc.terminate()
            proc.wait(10)
