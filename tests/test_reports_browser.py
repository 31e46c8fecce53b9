"""Relatórios in headless Chromium, against a real `ponte serve` with a seeded history."""

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.procs import wait_for
from tests.support import wppconnect_text
from tests.test_workspace_browser import (  # noqa: F401 (the module's browser fixture)
    browser,
    conversation_id,
    running_shop,
    signed_in_page,
)

pytestmark = pytest.mark.slow
SP = ZoneInfo("America/Sao_Paulo")


@pytest.fixture(scope="module")
def shop(tmp_path_factory, browser):  # noqa: F811
    with running_shop(tmp_path_factory.mktemp("reports"), browser) as shop:
        yield shop


def writes(shop, phone: str, text: str, when: datetime) -> None:
    body = wppconnect_text(phone, uuid.uuid4().hex, text, int(when.timestamp()))
    response = httpx.post(shop.server.base + shop.made["webhook_url"], json=body, timeout=10)
    assert response.status_code == 200


def test_the_owner_opens_relatorios_and_sees_the_figures_and_a_chart(shop):
    yesterday = datetime.now(SP).date() - timedelta(days=1)
    ten = datetime.combine(yesterday, time(10, 0), SP)
    writes(shop, "5531944440001", "Bom dia, tem o vestido azul?", ten)
    writes(shop, "5531944440001", "Tamanho M", ten + timedelta(minutes=1))
    writes(shop, "5531944440002", "Vocês entregam?", ten + timedelta(minutes=20))
    writes(shop, "5531944440003", "Boa noite", datetime.combine(yesterday, time(21, 5), SP))
    wait_for(lambda: conversation_id(shop, "+5531944440003") is not None)
    chat = conversation_id(shop, "+5531944440001")
    assert shop.api.post("/api/v1/messages", json={"conversation_id": chat,
                                                   "text": "Temos sim!"}).status_code == 202

    with signed_in_page(shop.browser, shop.relay.base, shop.made) as page:
        violations = []
        page.on("console", lambda message: "Content Security Policy" in message.text
                and violations.append(message.text))
        page.click(".topbar nav a:has-text('Relatórios')")
        page.wait_for_selector("h1:has-text('Relatórios')")

        assert page.inner_text("[data-figure=customer-messages]") == "4"
        assert "1 de 3 aberturas respondidas" in page.inner_text("#first-response")
        hour_chart = page.locator("#chart-hour svg")
        assert hour_chart.get_attribute("role") == "img"
        ten_bar = page.locator("#chart-hour rect.bar").nth(10)
        assert ten_bar.get_attribute("data-value") == "3"
        drawn = ten_bar.bounding_box()
        assert drawn is not None and drawn["height"] > 20, "the tallest bar is drawn"
        assert page.locator("#chart-hour rect.bar").nth(21).bounding_box()["height"] > 0
        assert page.locator("#chart-hour rect.bar").nth(3).bounding_box()["height"] == 0
        assert page.locator("#chart-weekday rect.bar").count() == 7

        page.click("text=Últimos 30 dias")
        page.wait_for_selector(".presets a[aria-current=true]:has-text('Últimos 30 dias')")
        assert page.inner_text("[data-figure=customer-messages]") == "4"
        assert violations == []

        page.set_viewport_size({"width": 380, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
