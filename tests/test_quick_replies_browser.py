"""Quick replies and labels in the chat, in headless Chromium against a real `ponte serve`."""

import pytest

from tests.test_workspace_browser import (
    VIOLATION,
    browser,  # noqa: F401 (a fixture)
    inbound,
    open_chat,
    running_shop,
    sends,
    signed_in_page,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shop(tmp_path_factory, browser):  # noqa: F811
    with running_shop(tmp_path_factory.mktemp("quick-replies"), browser) as shop:
        yield shop


@pytest.fixture
def page(shop):
    with signed_in_page(shop.browser, shop.relay.base, shop.made) as page:
        page.errors = []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        yield page


def test_slash_offers_the_reply_filled_with_the_name_and_sends_only_on_send(shop, page):
    made = shop.api.post("/api/v1/quick-replies", json={
        "shortcut": "entrega", "text": "Olá {nome}, a entrega leva até 3 dias úteis."})
    assert made.status_code == 201
    shop.api.post("/api/v1/quick-replies", json={"shortcut": "pix", "text": "Chave pix: 123"})
    inbound(shop, "5531911120001", "quando chega?", "Ana Souza")
    page.reload()
    open_chat(page, "Ana Souza")
    composer = page.locator("#composer textarea")
    composer.click()
    page.keyboard.type("/ent")

    option = page.locator("#quick-replies .quick-reply", has_text="/entrega")
    option.wait_for()
    assert page.locator("#quick-replies .quick-reply").count() == 1
    assert "Olá Ana, a entrega" in option.inner_text()
    page.keyboard.press("Enter")

    assert composer.input_value() == "Olá Ana, a entrega leva até 3 dias úteis."
    assert page.locator("#quick-replies").is_hidden()
    assert sends(shop) == []  # in the box, not sent
    page.keyboard.press("Escape")
    page.keyboard.type(" /pi")
    page.locator("#quick-replies .quick-reply", has_text="/pix").wait_for()
    page.keyboard.press("Escape")
    assert page.locator("#quick-replies").is_hidden()
    assert composer.input_value().endswith(" /pi") and sends(shop) == []
    for _ in range(4):
        page.keyboard.press("Backspace")

    page.keyboard.press("Enter")  # the ordinary send
    mine = page.locator("#history .msg.out", has_text="Olá Ana, a entrega")
    mine.locator(".tick.sent").wait_for(timeout=15_000)
    sent = sends(shop)
    assert len(sent) == 1 and "Olá Ana, a entrega leva até 3 dias úteis." in str(sent[0].json)
    assert not [e for e in page.errors if VIOLATION in e]


def test_a_label_added_in_the_chat_shows_as_a_chip_here_and_in_another_tab(shop, page):
    made = shop.api.post("/api/v1/labels", json={"name": "Cliente VIP", "colour": "#fde047"})
    assert made.status_code == 201
    inbound(shop, "5531911120002", "oi", "Bia Rocha")
    page.reload()
    open_chat(page, "Bia Rocha")
    url = page.url
    with signed_in_page(shop.browser, shop.relay.base, shop.made) as other:
        other.goto(url)
        other.wait_for_selector("#chat-labels .label-picker")
        page.wait_for_selector("#chat-labels .label-picker")
        page.click("#chat-labels summary")
        page.fill("#chat-labels input[name=add]", "cliente vip")
        page.keyboard.press("Enter")

        chip = page.locator("#chat-labels .label-chip", has_text="Cliente VIP")
        chip.wait_for()
        # Its own yellow with dark text, painted by script: the CSP allows no inline style.
        page.wait_for_function("""() => {
            const chip = document.querySelector("#chat-labels .label-chip");
            if (!chip) return false;
            const style = getComputedStyle(chip);
            return style.backgroundColor === "rgb(253, 224, 71)"
                && style.color === "rgb(17, 17, 17)";
        }""")
        other.locator("#chat-labels .label-chip", has_text="Cliente VIP").wait_for()

        page.click("#chat-labels .label-chip .label-remove")
        other.locator("#chat-labels .label-chip").wait_for(state="detached")
    assert not [e for e in page.errors if VIOLATION in e]
