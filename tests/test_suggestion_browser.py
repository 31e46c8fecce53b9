"""The AI's reply suggestion in headless Chromium, against a real `ponte serve` and engine
emulator: it shows in the chat's panel, "Enviar agora" only fills the composer, and nothing
reaches WhatsApp until the attendant presses send."""

import sqlite3
from pathlib import Path

import pytest

from tests.procs import wait_for
from tests.test_workspace_browser import (  # noqa: F401 (the module's browser fixture)
    ARTIFACTS,
    PHONE,
    VIOLATION,
    browser,
    inbound,
    open_chat,
    running_shop,
    sends,
    signed_in_page,
)

pytestmark = pytest.mark.slow
QUESTION = "qual o preço do vestido? aceita pix?"


@pytest.fixture(scope="module")
def shop(tmp_path_factory, browser):  # noqa: F811
    with running_shop(tmp_path_factory.mktemp("suggestions"), browser,
                      {"PONTE_LEAD_SCORE_DEBOUNCE_SECONDS": "0.3"}) as shop:
        yield shop


def suggestion_rows(shop) -> list[tuple]:
    """(text, used, sent text, similarity) of each stored suggestion, read from the database."""
    sql = ("SELECT s.text, s.used_at IS NOT NULL, m.text, s.similarity "
           "FROM leads_replysuggestion s LEFT JOIN conversations_message m "
           "ON m.id = s.sent_message_id ORDER BY s.id")
    url = shop.server.env.get("DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url) as conn:
            return [tuple(row) for row in conn.execute(sql).fetchall()]
    path = Path(shop.server.env["PONTE_DATA_DIR"]) / "ponte.sqlite3"
    with sqlite3.connect(path) as conn:
        return [(text, bool(used), sent, similarity)
                for text, used, sent, similarity in conn.execute(sql).fetchall()]


def test_enviar_agora_fills_the_composer_and_only_the_attendants_send_reaches_whatsapp(shop):
    with signed_in_page(shop.browser, shop.relay.base, shop.made) as page:
        violations: list[str] = []
        page.on("console", lambda message: VIOLATION in message.text
                and violations.append(message.text))
        inbound(shop, "5531911110060", "oi, bom dia", "Joana Vestido")
        page.wait_for_selector(".chat-row:has-text('Joana Vestido')")
        open_chat(page, "Joana Vestido")
        proposed = page.locator("#lead-panel .suggestion-text")
        proposed.wait_for(timeout=20_000)
        greeting = proposed.inner_text()
        page.evaluate("window.stillTheSamePage = true")

        inbound(shop, "5531911110060", QUESTION)

        # Scored a moment after the message, then pushed to the open panel without a reload.
        page.wait_for_function(
            "old => { const p = document.querySelector('#lead-panel .suggestion-text');"
            " return p && p.textContent !== old; }", arg=greeting, timeout=20_000)
        assert page.evaluate("window.stillTheSamePage") is True
        text = proposed.inner_text()
        assert text.startswith("Oi, Joana!")
        assert page.locator("#lead-panel .score").is_visible()
        composer = page.locator("#composer textarea")
        one_line = composer.bounding_box()["height"]

        page.click("text=Enviar agora")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "suggestion-desktop.png"))

        assert composer.input_value() == text
        assert composer.evaluate("t => document.activeElement === t")
        assert composer.evaluate("t => t.selectionStart === t.value.length")
        assert composer.bounding_box()["height"] > one_line, "the box grows to show it all"
        page.wait_for_timeout(1500)  # a send, had one been made, would have reached it by now
        assert sends(shop) == []
        assert page.locator("#history .msg.out").count() == 0

        page.keyboard.press("End")
        page.keyboard.type(" O vestido sai por R$ 149,90.")
        edited = text + " O vestido sai por R$ 149,90."
        page.click("#composer button[type=submit]")

        page.locator("#history .msg.out", has_text="O vestido sai por R$ 149,90.").wait_for()
        page.wait_for_function("() => document.querySelectorAll('#history .msg.out').length === 1")
        page.wait_for_selector("#lead-panel :text('Sem sugestão no momento.')")
        assert [r.json.get("message") for r in _wait_for_sends(shop, 1)] == [edited]
        assert violations == []

    superseded, (stored, used, sent, similarity) = suggestion_rows(shop)
    assert superseded[:3] == (greeting, False, None)
    assert (stored, used, sent) == (text, True, edited)
    assert 0 < similarity < 1


def _wait_for_sends(shop, count: int) -> list:
    wait_for(lambda: len(sends(shop)) >= count, timeout=20)
    return sends(shop)


def test_on_a_phone_enviar_agora_closes_the_panel_onto_the_filled_composer(shop):
    with signed_in_page(shop.browser, shop.relay.base, shop.made) as page:
        page.set_viewport_size(PHONE)
        inbound(shop, "5531911110061", "vocês entregam em Contagem?", "Rita Entrega")
        page.wait_for_selector(".chat-row:has-text('Rita Entrega')")
        open_chat(page, "Rita Entrega")
        page.click(".panel-toggle")
        proposed = page.locator("#lead-panel .suggestion-text")
        proposed.wait_for(timeout=20_000)
        text = proposed.inner_text()

        page.click("text=Enviar agora")

        page.wait_for_function("() => location.hash === '#chat'")
        assert not page.locator("#customer").is_visible()
        composer = page.locator("#composer textarea")
        assert composer.is_visible() and composer.input_value() == text
        page.wait_for_timeout(1000)
        assert not [r for r in sends(shop) if "5531911110061" in str(r.json)]
