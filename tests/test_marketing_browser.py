"""Marketing recall in headless Chromium, against a real `ponte serve` and engine emulator:
a cashback card's "Abrir no CRM" opens a virtual chat with the personalized reminder in the
composer and nothing sent; the attendant's send is recorded, and the customer's reply and a
later sale show in the page's results."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.procs import wait_for
from tests.test_workspace_browser import (  # noqa: F401 (the module's browser fixture)
    ARTIFACTS,
    VIOLATION,
    browser,
    inbound,
    running_shop,
    sends,
    signed_in_page,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shop(tmp_path_factory, browser):  # noqa: F811
    with running_shop(tmp_path_factory.mktemp("marketing"), browser) as shop:
        yield shop


def put(shop, path: str, body: dict) -> None:
    """The ERP's data, as its integration sends it."""
    response = shop.api.put(path, json=body)
    assert response.status_code == 201, response.text


def test_a_cashback_card_opens_the_chat_with_the_reminder_and_recall_shows_what_it_earned(shop):
    soon = (datetime.now(UTC) + timedelta(days=3)).date()
    put(shop, "/api/v1/customers/C-77", {
        "name": "Marina Duarte", "phones": ["(31) 9 7777-0042"], "cashback_balance": "45.90",
        "cashback_expires_on": soon.isoformat()})
    with signed_in_page(shop.browser, shop.relay.base, shop.made) as page:
        violations: list[str] = []
        page.on("console", lambda message: VIOLATION in message.text
                and violations.append(message.text))
        page.click("nav a:has-text('Marketing')")
        card = page.locator("#recall-cashback .recall-card:has-text('Marina Duarte')")
        card.wait_for()
        assert "de cashback vencem em" in card.inner_text()
        assert "R$ 45,90" in card.inner_text()

        card.locator("a:has-text('Abrir no CRM')").click()

        page.wait_for_selector("#history.virtual")
        composer = page.locator("#composer textarea")
        reminder = composer.input_value()
        assert reminder.startswith("Oi, Marina! Você tem R$ 45,90 de cashback na loja, válido "
                                   f"até {soon:%d/%m/%Y}.")
        assert sends(shop) == []  # in the composer, unsent
        page.screenshot(path=str(ARTIFACTS / "marketing-recall-composer.png"))

        composer.press("Enter")
        page.wait_for_selector("#history .msg.out:has-text('Oi, Marina!')")
        wait_for(lambda: len(sends(shop)) == 1)
        results = shop.api.get("/api/v1/recall/results").json()
        assert results["sent"] == 1 and results["items"][0]["message"] == reminder

        inbound(shop, "5531977770042", "Oba! Passo aí amanhã", "Marina")
        later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
        put(shop, "/api/v1/sales/V-9", {"customer_external_id": "C-77", "date": later,
                                        "total": "320.00"})
        wait_for(lambda: shop.api.get("/api/v1/recall/results").json()["replied"] == 1)

        page.goto(shop.relay.base + "/marketing/")
        outcome = page.locator("#recall-results .recall-outcome:has-text('Marina Duarte')")
        assert "R$ 320,00 em vendas depois do lembrete" in outcome.inner_text()
        assert "Sim," in outcome.locator(".replied").inner_text()
        assert violations == []
