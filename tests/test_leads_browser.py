"""The Leads page in headless Chromium, against a real `ponte serve` whose worker scores leads."""

import pytest

from tests.test_workspace_browser import (  # noqa: F401 (the module's browser fixture)
    ARTIFACTS,
    PHONE,
    browser,
    inbound,
    no_horizontal_scroll,
    running_shop,
    signed_in_page,
)

pytestmark = pytest.mark.slow
# How the built-in model reads them: about 4 (cold), 83 (hot), 100 after COOL, 1 (cold).
COOL = "Obrigada, boa noite"
ASKING = "Tem a bolsa preta? Aceita pix?"
BUYING = "Fechado! Vou pagar no pix agora, segue o comprovante"
COMPLAINT = "Meu pedido chegou com defeito, estou muito chateada"


@pytest.fixture(scope="module")
def shop(tmp_path_factory, browser):  # noqa: F811
    with running_shop(tmp_path_factory.mktemp("leads"), browser,
                      {"PONTE_LEAD_SCORE_DEBOUNCE_SECONDS": "0.3"}) as shop:
        yield shop


@pytest.fixture
def page(shop):
    """A signed-in tab that also collects what the Content-Security-Policy blocked."""
    with signed_in_page(shop.browser, shop.relay.base, shop.made) as page:
        page.violations = []
        page.on("console", lambda message: "Content Security Policy" in message.text
                and page.violations.append(message.text))
        yield page


def names(page) -> list[str]:
    return page.locator(".lead-row .lead-name").all_inner_texts()


def scored(shop, e164: str) -> int | None:
    leads = shop.api.get("/api/v1/leads", params={"limit": 200}).json()["items"]
    return next((lead["score"] for lead in leads if lead["contact"]["e164"] == e164), None)


def test_leads_appear_and_rerank_live_filter_by_band_and_open_the_chat(shop, page):
    page.click("nav a:has-text('Leads')")
    page.wait_for_selector("text=Nenhum lead ainda")
    page.wait_for_selector("#live-state[data-live=live]")
    page.evaluate("window.stillTheSamePage = true")

    inbound(shop, "5531933330001", COOL, "Rita Calma")
    page.wait_for_selector(".lead-row:has-text('Rita Calma') .score")
    inbound(shop, "5531933330002", ASKING, "Otávio Decidido")
    page.wait_for_selector(".lead-row:has-text('Otávio Decidido') .score")
    page.wait_for_function("() => document.querySelectorAll('.lead-row').length === 2")
    assert names(page) == ["Otávio Decidido", "Rita Calma"]
    cool = scored(shop, "+5531933330001")

    inbound(shop, "5531933330001", BUYING)  # Rita makes up her mind: she climbs to the top

    page.wait_for_selector(".lead-row:has-text('Rita Calma') .trend.up")
    assert scored(shop, "+5531933330001") > max(cool, scored(shop, "+5531933330002"))
    assert names(page) == ["Rita Calma", "Otávio Decidido"]
    assert page.evaluate("window.stillTheSamePage") is True
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "leads.png"), full_page=True)

    inbound(shop, "5531933330003", COMPLAINT, "Frida Fria")
    page.wait_for_selector(".lead-row:has-text('Frida Fria') .score")
    page.select_option("select[name=band]", "hot")
    page.wait_for_url("**/leads/?band=hot")
    page.wait_for_function("() => !document.querySelector('.lead-row .score.cold')")
    assert "Frida Fria" not in names(page)
    assert set(names(page)) == {"Otávio Decidido", "Rita Calma"}

    page.click(".lead-row a.lead-name:has-text('Rita Calma')")
    page.wait_for_selector(".chat-head:has-text('Rita Calma')")
    page.wait_for_selector(f"#history .msg:has-text('{COOL}')")
    assert page.violations == []


def choose(page, name: str, field: str, value: str) -> None:
    """Pick in a row's select as a person does (focused first), and wait for the server's row."""
    select = page.locator(f".lead-row:has-text('{name}') select[name={field}]")
    select.evaluate("select => { select.closest('.lead-row').dataset.old = 'yes'; }")
    select.focus()
    select.select_option(value)
    page.locator(f".lead-row:not([data-old]):has-text('{name}') select[name={field}] "
                 f"option:checked[value='{value}']").wait_for(state="attached")


def test_status_and_owner_change_from_the_row_and_reach_other_tabs(shop, page):
    inbound(shop, "5531933330004", BUYING, "Gabi Ganha")
    page.goto(shop.relay.base + "/leads/")
    row = page.locator(".lead-row", has_text="Gabi Ganha")
    row.locator(".score").wait_for()
    with signed_in_page(shop.browser, shop.relay.base, shop.made) as other:
        other.goto(shop.relay.base + "/leads/?status=won")
        other.wait_for_selector("#live-state[data-live=live]")
        assert "Gabi Ganha" not in names(other)

        choose(page, "Gabi Ganha", "status", "won")
        choose(page, "Gabi Ganha", "owner", shop.made["owner_email"])

        other.wait_for_selector(".lead-row:has-text('Gabi Ganha')")
        other.locator(".lead-row:has-text('Gabi Ganha') select[name=owner] option:checked",
                      has_text="Eu").wait_for(state="attached")
    lead = next(item for item in shop.api.get("/api/v1/leads").json()["items"]
                if item["contact"]["e164"] == "+5531933330004")
    assert (lead["status"], lead["owner"]) == ("won", shop.made["owner_email"])


def test_the_page_fits_a_phone(shop, page):
    inbound(shop, "5531933330005", ASKING + " Qual o prazo de entrega para Belo Horizonte?",
            "Maria Eduarda Albuquerque de Vasconcelos Largura")
    page.set_viewport_size(PHONE)
    page.goto(shop.relay.base + "/leads/")
    page.locator(".lead-row", has_text="Maria Eduarda").locator(".score").wait_for()
    assert no_horizontal_scroll(page)
    assert page.locator(".lead-row select[name=status]").first.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "leads-phone.png"), full_page=True)


def test_the_inbox_badge_shows_the_score_once_the_worker_has_scored_the_chat(shop, page):
    page.evaluate("window.stillTheSamePage = true")
    inbound(shop, "5531933330006", BUYING, "Iara Inbox")
    row = page.locator(".chat-row", has_text="Iara Inbox")
    row.locator(".score.hot").wait_for()  # scored a moment after the message showed
    assert row.locator(".score").inner_text() == str(scored(shop, "+5531933330006"))
    assert page.evaluate("window.stillTheSamePage") is True
