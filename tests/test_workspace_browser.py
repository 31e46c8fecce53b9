"""The attendant's workspace in headless Chromium, against a real `ponte serve`."""

import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import httpx
import pytest

from emulators.wppconnect import Emulator
from tests.browser import chromium, click_until
from tests.netproxy import Relay
from tests.procs import Server, isolated_env, ponte_init, wait_for
from tests.support import wppconnect_text

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SECRET = "workspace-secret-0001"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# Chromium reports every blocked script, style or eval as a console error with this text.
VIOLATION = "Content Security Policy"


@pytest.fixture(scope="module")
def browser(chromium_path):
    with chromium(chromium_path) as browser:
        yield browser


@contextmanager
def running_shop(data_dir: Path, browser, extra_env: dict | None = None):
    """A server with a connected engine emulator, behind a relay the tests can cut."""
    emulator = Emulator(secrets=[SECRET], logged_in=True, auto_ack=False).start()
    with isolated_env(data_dir) as env:
        env = env | {"PONTE_SUPERVISOR_PERIOD_SECONDS": "1"} | (extra_env or {})
        made = ponte_init(env, "wppconnect", "Loja Centro", "--engine-url", emulator.base_url,
                          "--secret", SECRET)
        with Server(env) as server:
            relay = Relay(server.port)
            api = httpx.Client(base_url=server.base, timeout=10,
                               headers={"Authorization": f"Bearer {made['api_key']}"})
            wait_for(lambda: api.get("/api/v1/instance").json()["state"] == "connected")
            try:
                yield SimpleNamespace(server=server, made=made, emulator=emulator, relay=relay,
                                      browser=browser, api=api)
            finally:
                relay.close()
    emulator.stop()


@pytest.fixture(scope="module")
def shop(tmp_path_factory, browser):
    """One server, engine emulator and browser for the module; each test uses its own numbers."""
    with running_shop(tmp_path_factory.mktemp("workspace"), browser,
                      {"PONTE_SEND_BACKOFF_SECONDS": "0.2"}) as shop:
        yield shop


def inbound(shop, wa_user: str, text: str, name: str = "") -> None:
    """What WPPConnect posts when a customer writes to the shop."""
    body = wppconnect_text(wa_user, uuid.uuid4().hex, text, int(time.time())) | {"notifyName": name}
    response = httpx.post(shop.server.base + shop.made["webhook_url"], json=body, timeout=10)
    assert response.status_code == 200


def sends(shop) -> list:
    """Every send call the engine received, whatever came of it."""
    return [r for r in shop.emulator.requests if r.operation in ("send_text", "send_media")]


def conversation_id(shop, e164: str) -> int | None:
    chats = shop.api.get("/api/v1/conversations", params={"limit": 200}).json()
    items = chats["items"] if isinstance(chats, dict) else chats
    return next((c["id"] for c in items if c["contact"]["e164"] == e164), None)


@contextmanager
def signed_in_page(browser, base: str, made: dict):
    """A tab of the workspace, signed in as the owner, its live connection up."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    # Shown by pytest only when a test fails: what the page said and which requests broke.
    page.on("console", lambda message: print("console:", message.type, message.text))
    page.on("requestfailed", lambda request: print("failed:", request.url, request.failure))
    page.goto(base + "/")
    page.fill("input[name=username]", made["owner_email"])
    page.fill("input[name=password]", made["owner_password"])
    page.click("button[type=submit]")
    page.wait_for_selector("#live-state[data-live=live]")
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(shop):
    with signed_in_page(shop.browser, shop.relay.base, shop.made) as page:
        yield page


def open_chat(page, name: str) -> None:
    click_until(page, f".chat-row:has-text('{name}')", f".chat-head:has-text('{name}')")
    page.wait_for_selector("#history .msg")
    page.wait_for_selector("#live-state[data-live=live]")


def test_a_webhook_message_shows_in_the_open_chat_and_reorders_the_inbox(shop, page):
    inbound(shop, "5531911110001", "primeira", "Alice Primeira")
    inbound(shop, "5531911110002", "segunda", "Beto Segundo")
    page.reload()
    page.wait_for_selector(".chat-row:has-text('Beto Segundo')")
    open_chat(page, "Alice Primeira")
    assert page.locator(".chat-row").first.inner_text().startswith("BS")
    page.evaluate("window.stillTheSamePage = true")

    inbound(shop, "5531911110001", "chegou agora, sem recarregar")

    page.wait_for_selector("#history .msg:has-text('chegou agora, sem recarregar')")
    page.wait_for_function(
        "() => document.querySelector('.chat-row').innerText.includes('Alice Primeira')")
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.locator(".chat-row.active").inner_text().count("chegou agora") == 1

    page.fill("input[name=q]", "(31) 91111-0002")
    page.wait_for_function("() => document.querySelectorAll('.chat-row').length === 1")
    assert "Beto Segundo" in page.locator(".chat-row").inner_text()


def test_a_long_multiline_message_grows_the_composer_and_turns_from_pending_to_sent(shop, page):
    inbound(shop, "5531911110003", "quero saber do pedido", "Caio Pedido")
    page.reload()
    open_chat(page, "Caio Pedido")
    composer = page.locator("#composer textarea")
    one_line = composer.bounding_box()["height"]
    composer.click()
    lines = ["Oi Caio!", "Seu pedido:", "- 1 tênis 42", "- 2 meias", "Total: R$ 289,90",
             "Sai amanhã cedo."]
    for number, line in enumerate(lines):
        page.keyboard.type(line)
        if number < len(lines) - 1:
            page.keyboard.press("Shift+Enter")
    assert composer.bounding_box()["height"] > 2.5 * one_line
    assert composer.input_value() == "\n".join(lines), "Shift+Enter must break the line"
    shop.emulator.hang_next("send_text", 2.0)

    page.keyboard.press("Enter")

    mine = page.locator("#history .msg.out", has_text="Sai amanhã cedo.")
    mine.locator(".tick.pending").wait_for()
    assert composer.input_value() == ""
    mine.locator(".tick.sent").wait_for(timeout=15_000)
    assert mine.locator(".text").inner_text() == "\n".join(lines)
    assert page.locator("#history .msg.out", has_text="Sai amanhã cedo.").count() == 1


@pytest.mark.parametrize("hostile", ["<img src=x onerror=alert(1)>",
                                     "<script>alert('x')</script>"])
def test_hostile_text_arriving_live_shows_as_text(shop, page, hostile):
    wa_user = "55319111101" + str(len(hostile) % 100).zfill(2)
    inbound(shop, wa_user, "olá", "Cliente Hostil")
    page.reload()
    open_chat(page, "Cliente Hostil")

    inbound(shop, wa_user, hostile, hostile)

    page.locator("#history .msg .text", has_text=hostile).wait_for()
    page.wait_for_function(
        f"() => document.getElementById('inbox-list').innerText.includes({hostile!r})")
    assert page.locator("#history img, #history script, #inbox-list img").count() == 0
    page.wait_for_timeout(300)
    assert page.dialogs == []


def test_messages_sent_while_the_websocket_was_down_appear_after_it_reconnects(shop, page):
    inbound(shop, "5531911110004", "antes da queda", "Dora Queda")
    page.reload()
    open_chat(page, "Dora Queda")

    shop.relay.cut()
    page.wait_for_selector("#live-state[data-live=offline]")
    inbound(shop, "5531911110004", "durante a queda 1")
    inbound(shop, "5531911110004", "durante a queda 2")
    page.wait_for_timeout(500)
    assert page.locator("#history .msg", has_text="durante a queda").count() == 0
    shop.relay.restore()

    page.wait_for_selector("#live-state[data-live=live]", timeout=20_000)
    page.locator("#history .msg", has_text="durante a queda 2").wait_for()
    assert page.locator("#history .msg", has_text="durante a queda 1").count() == 1
    assert page.locator("#history .msg", has_text="durante a queda 2").count() == 1


def test_a_catch_up_that_fails_as_the_network_returns_is_tried_again(shop, page):
    inbound(shop, "5531911110012", "antes", "Olga Retorno")
    wait_for(lambda: conversation_id(shop, "+5531911110012"))  # stored: the reload shows it
    page.reload()
    open_chat(page, "Olga Retorno")
    failed = []

    def fail_first_catch_up(route):
        if not failed:
            failed.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/history/?after=*", fail_first_catch_up)
    shop.relay.cut()
    page.wait_for_selector("#live-state[data-live=offline]")
    inbound(shop, "5531911110012", "enquanto caía")
    shop.relay.restore()

    page.locator("#history .msg", has_text="enquanto caía").wait_for(timeout=20_000)
    assert failed, "the first catch-up was refused"


def test_a_link_that_dies_silently_is_noticed_by_an_unanswered_ping(shop, page):
    inbound(shop, "5531911110013", "antes", "Paulo Silêncio")
    wait_for(lambda: conversation_id(shop, "+5531911110013"))  # stored: the reload shows it
    page.reload()
    open_chat(page, "Paulo Silêncio")
    page.evaluate("ponteLive.pongWithinMs = 500; ponteLive.openWithinMs = 1000")

    shop.relay.stall()
    inbound(shop, "5531911110013", "no silêncio")
    page.evaluate("ponteLive.ping()")

    page.wait_for_selector("#live-state:not([data-live=live])", timeout=5_000)
    shop.relay.restore()
    page.locator("#history .msg", has_text="no silêncio").wait_for(timeout=20_000)
    page.wait_for_selector("#live-state[data-live=live]")


def test_a_word_found_in_an_old_message_opens_its_chat_scrolled_to_it(shop, page):
    inbound(shop, "5531911110020", "o boleto venceu ontem, pode mandar outro?", "Rita Prazo")
    for n in range(60):
        inbound(shop, "5531911110020", f"mensagem {n}", "Rita Prazo")
    wait_for(lambda: (chat := conversation_id(shop, "+5531911110020")) and len(shop.api.get(
        f"/api/v1/conversations/{chat}/messages", params={"limit": 100}).json()["items"]) == 61)

    page.fill("#inbox-filters input[name=q]", "BOLETO vencêu")
    hit = page.locator(".found-message", has_text="Rita Prazo")
    hit.wait_for()
    assert hit.locator("mark").all_inner_texts() == ["boleto", "venceu"]
    hit.click()

    found = page.locator("#history .msg.found")
    found.wait_for()
    assert "o boleto venceu ontem" in found.inner_text()
    assert page.evaluate("""() => {
        const box = document.getElementById('history').getBoundingClientRect();
        const msg = document.querySelector('#history .msg.found').getBoundingClientRect();
        return msg.top >= box.top && msg.bottom <= box.bottom;
    }"""), "the found message is in view, not the newest"
    assert page.locator("#history .msg").count() == 61


def test_deep_link_finds_the_chat_by_canonical_phone_and_prefills_the_text(shop, page):
    inbound(shop, "5531987654321", "tenho cashback?", "Eva Cashback")
    wait_for(lambda: conversation_id(shop, "+5531987654321"))
    expected = conversation_id(shop, "+5531987654321")
    text = "Oi Eva, seu cashback de R$ 20 vence sexta!"

    page.goto(shop.relay.base + "/chat/?" + urlencode({"phone": "(31) 8765-4321", "text": text}))

    page.wait_for_selector("#history .msg:has-text('tenho cashback?')")
    assert page.locator("#chat").get_attribute("data-conversation-id") == str(expected)
    assert page.locator("#composer textarea").input_value() == text
    assert not shop.emulator.delivered or text not in str(shop.emulator.delivered)


def test_deep_link_to_a_new_number_is_virtual_until_the_first_message_is_sent(shop, page):
    text = "Olá! Temos novidades para você."
    page.goto(shop.relay.base + "/chat/?" + urlencode({"phone": "11 95555-0101", "text": text}))

    page.wait_for_selector("#history.virtual")
    assert page.locator("#composer textarea").input_value() == text
    assert "+55 11 95555-0101" in page.locator(".chat-head").inner_text()
    assert conversation_id(shop, "+5511955550101") is None

    page.locator("#composer textarea").press("Enter")

    page.wait_for_selector("#history .msg.out:has-text('Temos novidades')")
    assert conversation_id(shop, "+5511955550101") is not None
    assert page.locator("#chat").get_attribute("data-conversation-id")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_inbox_and_chat_are_usable_on_desktop_and_phone_widths(shop, page):
    inbound(shop, "5531911110005", "Bom dia! Vocês têm a camisa azul no tamanho M? " * 3,
            "Fábio Largura")
    ARTIFACTS.mkdir(exist_ok=True)
    page.reload()
    page.wait_for_selector(".chat-row")
    page.screenshot(path=str(ARTIFACTS / "inbox-desktop.png"))
    open_chat(page, "Fábio Largura")
    assert page.locator(".customer-panel").is_visible()
    page.screenshot(path=str(ARTIFACTS / "chat-desktop.png"))

    page.set_viewport_size(PHONE)
    assert no_horizontal_scroll(page)
    assert page.locator("#composer textarea").is_visible()
    assert not page.locator(".inbox-pane").is_visible()
    page.screenshot(path=str(ARTIFACTS / "chat-phone.png"))
    page.click(".chat-head .back")
    page.wait_for_selector(".inbox-pane .chat-row")
    assert no_horizontal_scroll(page)
    assert page.locator("input[name=q]").is_visible()
    page.screenshot(path=str(ARTIFACTS / "inbox-phone.png"))
    click_until(page, ".chat-row:has-text('Fábio Largura')", ".chat-head:has-text('Fábio')")
    page.click(".panel-toggle")
    page.wait_for_selector(".customer-panel:visible")
    page.screenshot(path=str(ARTIFACTS / "customer-phone.png"))


def test_scrolling_up_loads_older_messages_in_order(shop, page):
    for n in range(70):
        inbound(shop, "5531911110006", f"mensagem antiga {n:02d}", "Gil Histórico" if n else "")
    wait_for(lambda: "mensagem antiga 69" in str(shop.api.get("/api/v1/conversations").json()))
    page.reload()
    open_chat(page, "Gil Histórico")
    messages = page.locator("#history .msg")
    assert messages.count() == 50
    assert messages.last.inner_text().startswith("mensagem antiga 69")

    page.locator("#history").evaluate("box => { box.scrollTop = 0; }")

    page.wait_for_function("() => document.querySelectorAll('#history .msg').length === 70")
    texts = [t.split("\n")[0] for t in messages.all_inner_texts()]
    assert texts == [f"mensagem antiga {n:02d}" for n in range(70)]
    assert page.locator("#history .day").count() == 1
    assert page.locator("#history").evaluate(
        "box => box.scrollTop > 0 && box.scrollTop < box.scrollHeight - box.clientHeight"), \
        "the reader stays where they were, neither at the very top nor thrown to the bottom"


def test_a_text_over_whatsapps_limit_is_refused_and_given_back_for_editing(shop, page):
    inbound(shop, "5531911110013", "pode mandar tudo", "Paulo Longo")
    page.reload()
    open_chat(page, "Paulo Longo")
    too_long = "x" * 4097
    page.locator("#composer textarea").evaluate("(box, text) => { box.value = text; }", too_long)
    page.locator("#composer textarea").press("Enter")

    page.wait_for_function(
        "() => document.getElementById('composer-error').textContent.includes('4096')")
    assert "no máximo 4096 caracteres" in page.locator("#composer-error").inner_text()
    assert page.locator("#composer textarea").input_value() == too_long
    assert page.locator("#history .msg.out").count() == 0


def test_a_refused_send_shows_failed_and_retry_sends_it(shop, page):
    inbound(shop, "5531911110007", "pode mandar o boleto?", "Hana Retry")
    page.reload()
    open_chat(page, "Hana Retry")
    shop.emulator.fail_next("send_text", status=400)
    page.locator("#composer textarea").fill("Segue o boleto")
    page.keyboard.press("Enter")

    mine = page.locator("#history .msg.out", has_text="Segue o boleto")
    mine.locator(".tick.failed").wait_for(timeout=15_000)
    assert "Não enviada" in mine.inner_text()

    mine.locator("button.retry").click()

    mine.locator(".tick.sent").wait_for(timeout=15_000)
    assert mine.locator("button.retry").count() == 0


def test_the_whatsapp_connection_state_shows_live_above_the_inbox(shop, page):
    assert page.locator(".instance-warning").count() == 0

    shop.emulator.set_state("LOGGED_OUT")

    page.locator(".instance-warning").wait_for(timeout=20_000)
    assert "WhatsApp" in page.locator(".instance-warning").inner_text()
    session = shop.api.get("/api/v1/instance").json()["session_name"]
    wait_for(lambda: shop.emulator.state_of(session) == "QRCODE", timeout=20)
    shop.emulator.scan_qr()
    page.locator(".instance-warning").wait_for(state="detached", timeout=20_000)


def test_back_to_a_chat_shows_what_arrived_meanwhile_without_fetching_older_pages(shop, page):
    for n in range(60):
        inbound(shop, "5531911110008", f"conversa longa {n:02d}", "Iara Volta" if n else "")
    inbound(shop, "5531911110009", "outra conversa", "Juca Outro")
    wait_for(lambda: "conversa longa 59" in str(shop.api.get("/api/v1/conversations").json()))
    page.reload()
    open_chat(page, "Iara Volta")
    open_chat(page, "Juca Outro")
    history_asked = []
    page.on("request", lambda r: "/history/" in r.url and history_asked.append(r.url))

    inbound(shop, "5531911110008", "chegou enquanto estava fora")
    page.wait_for_function(
        "() => document.querySelector('.chat-row').innerText.includes('Iara Volta')")
    page.go_back()

    page.wait_for_selector("#history .msg:has-text('chegou enquanto estava fora')")
    page.wait_for_selector("#live-state[data-live=live]")
    page.wait_for_timeout(500)
    assert page.locator("#history .msg").last.inner_text().startswith("chegou enquanto estava fora")
    texts = [t.split("\n")[0] for t in page.locator("#history .msg").all_inner_texts()]
    assert texts == [f"conversa longa {n:02d}" for n in range(11, 60)] + [
        "chegou enquanto estava fora"], "the newest page, once, in order"
    assert not [url for url in history_asked if "before=" in url], history_asked
    assert page.locator("#history").evaluate(
        "box => box.scrollHeight - box.scrollTop - box.clientHeight < 5"), "the newest is in view"
    assert "Iara Volta" in page.locator(".chat-row.active").inner_text()


def test_the_customers_whatsapp_picture_shows_and_a_dead_one_leaves_the_initials(shop, page):
    shop.emulator.set_picture("5531911110010")
    inbound(shop, "5531911110010", "olha minha foto", "Lia Foto")
    shop.emulator.set_picture("5531911110011")
    inbound(shop, "5531911110011", "minha foto sumiu", "Rui Semfoto")
    page.reload()

    open_chat(page, "Lia Foto")
    picture = page.locator("#customer-photo img")
    picture.wait_for(timeout=10_000)
    page.wait_for_function(
        "() => document.querySelector('#customer-photo img')?.naturalWidth > 0")
    assert page.locator("#chat-avatar img").count() == 1
    page.locator(".chat-row.active .avatar img").wait_for(timeout=10_000)

    open_chat(page, "Rui Semfoto")
    page.locator("#customer-photo img").wait_for(timeout=10_000)
    del shop.emulator.pictures["5531911110011"]  # WhatsApp's URL expired since
    page.reload()
    page.wait_for_selector("#chat-avatar")
    page.wait_for_function("() => !document.querySelector('#customer-photo img, #chat-avatar img')")
    assert page.locator("#customer-photo").inner_text() == "RS"



def test_a_send_whose_answer_was_lost_turns_sent_when_the_engine_echoes_it(tmp_path, browser):
    """The engine took the message but its answer never came: the echo settles it, live."""
    emulator = Emulator(secrets=[SECRET], logged_in=True, auto_ack=False).start()
    with isolated_env(tmp_path) as env:
        # Ponte stops waiting after a second; it would look in the chat only after a minute.
        env = env | {"PONTE_ENGINE_READ_TIMEOUT": "1", "PONTE_RECONCILE_DELAY_SECONDS": "60",
                     "PONTE_SUPERVISOR_PERIOD_SECONDS": "1"}
        made = ponte_init(env, "wppconnect", "Loja Eco", "--engine-url", emulator.base_url,
                          "--secret", SECRET)
        with Server(env) as server:
            api = httpx.Client(base_url=server.base, timeout=10,
                               headers={"Authorization": f"Bearer {made['api_key']}"})
            shop = SimpleNamespace(server=server, made=made, api=api)
            wait_for(lambda: api.get("/api/v1/instance").json()["state"] == "connected")
            inbound(shop, "5531911110014", "me confirma o endereço?", "Nina Eco")
            with signed_in_page(browser, server.base, made) as page:
                open_chat(page, "Nina Eco")
                emulator.hang_next("send_text", 4.0)
                page.locator("#composer textarea").fill("Rua das Flores, 12")
                with page.expect_response("**/send/") as queued:
                    page.keyboard.press("Enter")
                assert 'class="tick pending"' in queued.value.text(), "shown as pending first"

                mine = page.locator("#history .msg.out", has_text="Rua das Flores, 12")
                mine.locator(".tick.sent").wait_for(timeout=10_000)

            delivered = [d for d in emulator.delivered if d.get("text") == "Rua das Flores, 12"]
            assert len(delivered) == 1, "the lost answer was not sent a second time"
            chat = conversation_id(shop, "+5531911110014")
            newest = api.get(f"/api/v1/conversations/{chat}/messages").json()["items"][0]
            assert (newest["status"], newest["engine_message_id"]) == (
                "sent", delivered[0]["engine_message_id"])
    emulator.stop()
