"""Hiding a number from the chat, seen from a second tab that has the same chat open."""

import pytest

from tests.browser import chromium
from tests.procs import wait_for
from tests.test_workspace_browser import (
    conversation_id,
    inbound,
    running_shop,
    signed_in_page,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shop(tmp_path_factory, chromium_path):
    with chromium(chromium_path) as browser, running_shop(
            tmp_path_factory.mktemp("hiding"), browser) as shop:
        yield shop


def test_hiding_a_number_drops_its_chat_from_every_open_tab_without_a_reload(shop):
    inbound(shop, "5531911119001", "dado sigiloso da Helena", "Helena Oculta")
    inbound(shop, "5531911119002", "oi, tudo bem?", "Igor Visível")
    chat_id = wait_for(lambda: conversation_id(shop, "+5531911119001"))
    wait_for(lambda: conversation_id(shop, "+5531911119002"))
    chat_url = f"{shop.relay.base}/conversations/{chat_id}/"

    with signed_in_page(shop.browser, shop.relay.base, shop.made) as hider, \
            signed_in_page(shop.browser, shop.relay.base, shop.made) as watcher:
        for page in (hider, watcher):
            page.goto(chat_url)
            page.wait_for_selector("#history .msg:has-text('dado sigiloso da Helena')")
            page.wait_for_selector(".chat-row:has-text('Igor Visível')")
            page.wait_for_selector("#live-state[data-live=live]")
        assert watcher.locator(f".chat-row[data-conversation-id='{chat_id}']").count() == 1
        watcher.evaluate("window.stillTheSamePage = true")

        hider.click("#customer a.hide-number")
        hider.wait_for_selector("text=Isto apaga agora, sem volta:")
        hider.fill("input[name=note]", "pediu pelo telefone")
        hider.click("button:has-text('Sim, ocultar do CRM e apagar')")
        hider.wait_for_selector("text=Número ocultado do CRM: +55 31 91111-9001")
        assert hider.locator(".chat-row:has-text('Helena Oculta')").count() == 0

        watcher.wait_for_selector("#chat-hidden-notice:has-text('foi ocultada do CRM')")
        watcher.wait_for_selector(f".chat-row[data-conversation-id='{chat_id}']",
                                  state="detached")
        assert watcher.evaluate("window.stillTheSamePage") is True
        assert watcher.locator("#composer textarea").is_disabled()
        assert watcher.locator("#composer button[type=submit]").is_disabled()
        assert "dado sigiloso" not in watcher.content()
        assert "Helena" not in watcher.locator("body").inner_text()
        assert watcher.locator(".chat-row:has-text('Igor Visível')").count() == 1
