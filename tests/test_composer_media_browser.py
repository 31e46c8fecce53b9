"""Sending files and voice notes from the chat, in headless Chromium against `ponte serve`.

The browser has a fake microphone (a beeping tone); the engine is the WPPConnect
emulator, which records every send. Nothing leaves before the attendant presses send.
"""

import base64
import io
import uuid

import pytest
from mutagen.oggopus import OggOpus

from tests import media_samples
from tests.browser import FAKE_MICROPHONE, chromium
from tests.procs import wait_for
from tests.test_workspace_browser import (
    ARTIFACTS,
    PHONE,
    VIOLATION,
    conversation_id,
    inbound,
    no_horizontal_scroll,
    open_chat,
    running_shop,
    sends,
    signed_in_page,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser(chromium_path):
    with chromium(chromium_path, FAKE_MICROPHONE) as browser:
        yield browser


@pytest.fixture(scope="module")
def shop(tmp_path_factory, browser, served_media):
    data_dir = tmp_path_factory.mktemp("composer")
    with running_shop(data_dir, browser,
                      {"PONTE_SEND_BACKOFF_SECONDS": "0.2"} | served_media.env) as shop:
        shop.media = served_media.place(data_dir)
        yield shop


@pytest.fixture
def page(shop):
    with signed_in_page(shop.browser, shop.relay.base, shop.made) as page:
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        yield page


def chat_with(shop, page, name: str) -> str:
    """A customer who wrote, their chat open; returns their WhatsApp number."""
    wa_user = "55319" + str(uuid.uuid4().int)[:8]
    inbound(shop, wa_user, "oi, pode mandar?", name)
    wait_for(lambda: conversation_id(shop, "+" + wa_user))
    page.reload()
    open_chat(page, name)
    return wa_user


def delivered_to(shop, wa_user: str) -> list:
    """The files that reached this customer through the engine (`MediaSend`s)."""
    return [sent for sent in shop.emulator.media_sends if sent.to == wa_user]


def hand_over(page, how: str, data: bytes, name: str, mimetype: str) -> None:
    """A file pasted into the composer, or dropped on the chat, as the browser delivers it."""
    page.evaluate("""([how, data, name, type]) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type }));
        const init = { bubbles: true, cancelable: true };
        if (how === "paste") {
          document.querySelector("#composer textarea").dispatchEvent(
            new ClipboardEvent("paste", { ...init, clipboardData: transfer }));
        } else {
          const target = document.getElementById("history");
          for (const kind of ["dragenter", "dragover", "drop"]) {
            target.dispatchEvent(new DragEvent(kind, { ...init, dataTransfer: transfer }));
          }
        }
    }""", [how, base64.b64encode(data).decode(), name, mimetype])


def test_an_attached_photo_goes_once_with_its_caption_and_only_on_send(shop, page):
    wa_user = chat_with(shop, page, "Ana Anexo")
    photo = media_samples.jpeg()
    page.locator("#composer textarea").fill("Olha a vitrine nova!")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "composer-idle.png"))

    with page.expect_file_chooser() as chooser:
        page.click("#composer .attach")
    chooser.value.set_files({"name": "vitrine.jpg", "mimeType": "image/jpeg", "buffer": photo})

    preview = page.locator("#attachment")
    preview.wait_for()
    page.wait_for_function("() => document.querySelector('.attachment-thumb').naturalWidth > 0")
    assert "vitrine.jpg" in preview.inner_text()
    caption = page.locator(".attachment-caption")
    assert caption.input_value() == "Olha a vitrine nova!", "the draft becomes the caption"
    caption.fill("Chegou a coleção de inverno!")
    page.screenshot(path=str(ARTIFACTS / "composer-photo-preview.png"))
    page.wait_for_timeout(1000)
    assert not delivered_to(shop, wa_user), "nothing goes out before send is pressed"
    assert page.locator("#history .msg.out").count() == 0

    page.click(".attachment-send")

    mine = page.locator("#history .msg.out", has_text="Chegou a coleção de inverno!")
    mine.locator(".tick.sent").wait_for(timeout=15_000)
    assert preview.is_hidden()
    [sent] = delivered_to(shop, wa_user)
    assert (sent.kind, sent.caption) == ("image", "Chegou a coleção de inverno!")
    assert sent.data == photo
    assert any(name.endswith(".jpg") for name in shop.media.names()), shop.media
    assert page.locator("#composer textarea").input_value() == ""
    page.wait_for_timeout(500)
    assert len(delivered_to(shop, wa_user)) == 1
    assert page.locator("#history .msg.out").count() == 1
    assert not [e for e in page.console_errors if VIOLATION in e]


def test_a_pasted_picture_waits_in_the_preview_and_cancel_sends_nothing(shop, page):
    wa_user = chat_with(shop, page, "Bia Cola")

    hand_over(page, "paste", media_samples.png(), "image.png", "image/png")

    page.locator("#attachment").wait_for()
    page.wait_for_function("() => document.querySelector('.attachment-thumb').naturalWidth > 0")
    page.click(".attachment-cancel")
    assert page.locator("#attachment").is_hidden()
    assert page.locator("#composer textarea").is_visible()

    hand_over(page, "paste", media_samples.png(), "image.png", "image/png")
    page.locator(".attachment-caption").fill("o print do pedido")
    page.locator(".attachment-caption").press("Enter")

    page.locator("#history .msg.out", has_text="o print do pedido").locator(
        ".tick.sent").wait_for(timeout=15_000)
    [sent] = delivered_to(shop, wa_user)
    assert (sent.kind, sent.caption, sent.data) == ("image", "o print do pedido",
                                                    media_samples.png())


def test_a_document_dropped_on_the_chat_goes_with_its_name(shop, page):
    wa_user = chat_with(shop, page, "Caio Arrasta")
    invoice = media_samples.pdf()

    hand_over(page, "drop", invoice, "Boleto junho.pdf", "application/pdf")
    page.screenshot(path=str(ARTIFACTS / "composer-document-preview.png"))

    preview = page.locator("#attachment")
    preview.wait_for()
    assert "Boleto junho.pdf" in preview.inner_text()
    assert "kB" in preview.locator(".attachment-size").inner_text()
    assert page.locator(".attachment-thumb").is_hidden()
    assert not page.locator("#chat.dropping").count(), "the drop hint goes once dropped"
    assert not delivered_to(shop, wa_user)
    page.set_viewport_size(PHONE)
    assert no_horizontal_scroll(page) and page.locator(".attachment-send").is_visible()
    page.screenshot(path=str(ARTIFACTS / "composer-document-phone.png"))

    page.click(".attachment-send")

    page.locator("#history .msg.out").locator(".tick.sent").wait_for(timeout=15_000)
    [sent] = delivered_to(shop, wa_user)
    assert (sent.kind, sent.filename, sent.data) == ("document", "Boleto junho.pdf", invoice)


def test_a_refused_file_says_why_and_stays_in_the_preview(shop, page):
    wa_user = chat_with(shop, page, "Davi Recusa")
    hand_over(page, "drop", media_samples.mp3(), "musica.mp3", "audio/mpeg")
    page.locator(".attachment-caption").fill("escuta essa")

    page.click(".attachment-send")

    page.wait_for_function(
        "() => document.getElementById('composer-error').textContent.includes('legenda')")
    assert page.locator("#attachment").is_visible()
    assert page.locator(".attachment-caption").input_value() == "escuta essa"
    assert not delivered_to(shop, wa_user)


def test_a_recorded_voice_note_reaches_the_engine_as_a_voice_message(shop, page):
    wa_user = chat_with(shop, page, "Edu Voz")

    page.click("#composer .record")
    page.locator("#recording").wait_for()
    page.wait_for_function(
        "() => document.querySelector('.recording-time').textContent >= '0:02'", timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "composer-recording.png"))
    page.click(".recording-stop")

    preview = page.locator("#attachment")
    preview.wait_for()
    assert "Mensagem de voz" in preview.inner_text()
    page.screenshot(path=str(ARTIFACTS / "composer-voice-preview.png"))
    assert page.locator(".attachment-caption").is_hidden(), "a voice note takes no caption"
    page.wait_for_timeout(500)
    assert not delivered_to(shop, wa_user), "stopping the recording sends nothing"

    page.click(".attachment-send")

    page.locator("#history .msg.out").locator(".tick.sent").wait_for(timeout=15_000)
    [sent] = delivered_to(shop, wa_user)
    assert (sent.kind, sent.voice) == ("voice", True)
    assert sent.data[:4] == b"OggS", "Chromium's WebM rewrapped as the Ogg/Opus WhatsApp plays"
    info = OggOpus(io.BytesIO(sent.data)).info
    assert info.channels == 1 and 1.5 < info.length < 10


def test_a_recording_cancelled_leaves_nothing_behind(shop, page):
    wa_user = chat_with(shop, page, "Fia Cancela")
    page.click("#composer .record")
    page.locator("#recording").wait_for()
    page.wait_for_timeout(600)

    page.click(".recording-cancel")

    page.locator("#recording").wait_for(state="hidden")
    page.wait_for_timeout(500)
    assert page.locator("#attachment").is_hidden()
    assert page.locator("#composer textarea").is_visible()
    assert not delivered_to(shop, wa_user)
    assert not [r for r in sends(shop) if wa_user in str(r.json)]
