"""What the attendant sees, measured in headless Chromium: ticks, banners and layout."""

import pytest

from tests.browser import click_until
from tests.test_workspace_browser import (  # noqa: F401 (fixtures)
    ARTIFACTS,
    PHONE,
    browser,
    inbound,
    open_chat,
    running_shop,
    signed_in_page,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shop(tmp_path_factory, browser):  # noqa: F811
    """A demo-flagged server (its banner shows) behind a relay the tests can cut."""
    with running_shop(tmp_path_factory.mktemp("look"), browser, {"PONTE_DEMO": "1"}) as shop:
        yield shop


@pytest.fixture
def page(shop):
    with signed_in_page(shop.browser, shop.relay.base, shop.made) as page:
        yield page


def send(page, text: str) -> None:
    page.fill("#composer textarea", text)
    page.locator("#composer textarea").press("Enter")
    page.locator("#history .msg.out", has_text=text).locator(".tick.sent").wait_for(
        timeout=15_000)


CONTRAST = """([fg, bg]) => {
  const rgb = (css) => css.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (css) => {
    const [r, g, b] = rgb(css).map((v) => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_status_ticks_are_drawn_visible_on_the_green_bubble_and_apart_from_the_preview(
        shop, page):
    inbound(shop, "5531911120001", "oi", "Tina Tique")
    page.reload()
    open_chat(page, "Tina Tique")
    send(page, "resposta com tique")

    tick = page.locator("#history .msg.out", has_text="resposta com tique").locator(".tick")
    assert tick.evaluate("t => t.tagName.toLowerCase()") == "svg"
    box = tick.bounding_box()
    assert box and box["width"] >= 10 and box["height"] >= 7
    colours = tick.evaluate("""t => [getComputedStyle(t).color,
                                     getComputedStyle(t.closest('.msg')).backgroundColor]""")
    assert page.evaluate(CONTRAST, colours) >= 3, colours  # WCAG's minimum for graphics

    row = page.locator(".chat-row", has_text="Tina Tique")
    row.locator(".preview .tick").wait_for()
    gap = row.locator(".preview").evaluate("""p => {
      const tick = p.querySelector('.tick').getBoundingClientRect();
      const text = p.querySelector('bdi');  // the customer's text, isolated
      const range = document.createRange(); range.selectNodeContents(text);
      return range.getBoundingClientRect().left - tick.right;
    }""")
    assert gap >= 3, f"the tick touches the preview text ({gap}px)"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ticks-desktop.png"))


def test_a_lost_connection_shows_a_banner_until_it_is_back(shop, page):
    banner = page.locator("#connection-banner")
    assert not banner.is_visible()

    shop.relay.cut()
    page.wait_for_selector("#live-state[data-live=offline]")

    banner.wait_for(state="visible")
    assert "perdida" in banner.inner_text() and "reconectar" in banner.inner_text()
    page.screenshot(path=str(ARTIFACTS / "connection-lost.png"))
    shop.relay.restore()
    page.wait_for_selector("#live-state[data-live=live]", timeout=20_000)
    banner.wait_for(state="hidden")


def test_with_no_chat_open_the_page_has_no_empty_column(shop, page):
    page.goto(shop.relay.base + "/")
    page.wait_for_selector(".empty-chat")

    right = page.locator(".empty-chat").evaluate("e => e.getBoundingClientRect().right")
    assert right >= page.evaluate("document.documentElement.clientWidth") - 1


def one_line(page, selector: str) -> bool:
    return page.locator(selector).evaluate("""e => {
      const line = parseFloat(getComputedStyle(e).lineHeight) || 1.2 * parseFloat(
        getComputedStyle(e).fontSize);
      const style = getComputedStyle(e);
      return e.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
        < 1.5 * line;
    }""")


def test_on_a_phone_the_demo_banner_is_one_line_and_the_chat_header_shows_the_whole_number(
        shop, page):
    inbound(shop, "5531911120002", "oi", "Maria Aparecida dos Santos Nogueira")
    page.set_viewport_size(PHONE)
    page.reload()
    click_until(page, ".chat-row:has-text('Maria Aparecida')", "#history .msg")

    assert page.locator(".demo-banner").is_visible()
    assert one_line(page, ".demo-banner")
    page.screenshot(path=str(ARTIFACTS / "chat-header-phone.png"))
    number = page.locator(".chat-head .who .muted")
    assert number.inner_text() == "+55 31 91112-0002"
    assert number.evaluate("e => e.scrollWidth <= e.clientWidth"), "the number is cut"
    assert page.locator("#assign").is_visible() and page.locator(".panel-toggle").is_visible()
    page.screenshot(path=str(ARTIFACTS / "chat-header-phone.png"))


def test_a_missing_page_looks_like_ponte_and_speaks_portuguese(shop, page):
    answer = page.goto(shop.relay.base + "/nao-existe/")

    assert answer.status == 404
    assert page.locator("h1").inner_text() == "Página não encontrada"
    assert page.locator(".topbar").evaluate("e => getComputedStyle(e).backgroundColor") \
        == "rgb(7, 94, 84)", "the stylesheet applies"
    page.click("text=Ir para as conversas")
    page.wait_for_selector(".inbox-pane")
    page.goto(shop.relay.base + "/nao-existe/")
    page.screenshot(path=str(ARTIFACTS / "not-found.png"))
