"""Media in the attendant's chat, in headless Chromium against a real `ponte serve`: files
arrive by webhook (WPPConnect's autoDownload base64), the worker stores them, and the open
chat shows them without a reload."""

import base64
import io
import time
import uuid
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ponte.demo import VOICE_NOTE
from tests.support import wppconnect_text
from tests.test_workspace_browser import (  # noqa: F401 (the module's browser fixture)
    ARTIFACTS,
    VIOLATION,
    browser,
    open_chat,
    running_shop,
    signed_in_page,
)

pytestmark = pytest.mark.slow
HOSTILE_NAME = "<img src=x onerror=alert(1)>Fatura \u202efdp.exe"


@pytest.fixture(scope="module")
def shop(tmp_path_factory, browser, served_media):  # noqa: F811
    data_dir = tmp_path_factory.mktemp("media")
    with running_shop(data_dir, browser, served_media.env) as shop:
        shop.media = served_media.place(data_dir)
        yield shop


@pytest.fixture
def page(shop):
    with signed_in_page(shop.browser, shop.relay.base, shop.made) as page:
        page.violations = []
        page.on("console", lambda message: VIOLATION in message.text
                and page.violations.append(message.text))
        yield page


def inbound_media(shop, wa_user: str, wa_type: str, data: bytes, mimetype: str, *,
                  name: str = "", **fields) -> None:
    """What WPPConnect posts for a customer's file with autoDownload on: the whole file in
    `body` as base64, its type and size beside it."""
    body = wppconnect_text(wa_user, uuid.uuid4().hex, "", int(time.time())) | {
        "type": wa_type, "body": base64.b64encode(data).decode(), "mimetype": mimetype,
        "size": len(data), "notifyName": name} | fields
    response = httpx.post(shop.server.base + shop.made["webhook_url"], json=body, timeout=10)
    assert response.status_code == 200


def inbound_text(shop, wa_user: str, text: str, name: str) -> None:
    body = wppconnect_text(wa_user, uuid.uuid4().hex, text, int(time.time())) | {
        "notifyName": name}
    assert httpx.post(shop.server.base + shop.made["webhook_url"], json=body,
                      timeout=10).status_code == 200


def click_for_download(page, link):
    """The download a link gives; clicked again if a live redraw of its message (a status
    arriving) swallowed the first click."""
    for _ in range(2):
        try:
            with page.expect_download(timeout=10_000) as download:
                link.click()
            return download.value
        except PlaywrightTimeout:
            continue
    with page.expect_download() as download:
        link.click()
    return download.value


def photo(width: int = 1600, height: int = 1200) -> bytes:
    picture = Image.new("RGB", (width, height), "#1f5fbf")
    picture.paste(Image.new("RGB", (width // 3, height // 3), "orange"), (40, 40))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def receipt_pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 420), "white").save(out, "PDF")
    return out.getvalue()


def test_a_received_photo_shows_as_a_thumbnail_and_opens_full_size(shop, page):
    inbound_text(shop, "5531922220001", "oi, tem esse?", "Lia Foto")
    page.wait_for_selector(".chat-row:has-text('Lia Foto')")
    open_chat(page, "Lia Foto")

    inbound_media(shop, "5531922220001", "image", photo(), "image/jpeg", caption="esse no 42")

    # Downloading first, then the thumbnail replaces it in the open chat, without a reload.
    thumbnail = page.locator("#history .msg img.thumbnail")
    thumbnail.wait_for(timeout=20_000)
    page.wait_for_function("() => document.querySelector('#history img.thumbnail').complete "
                           "&& document.querySelector('#history img.thumbnail').naturalWidth > 0")
    natural = thumbnail.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert max(natural) < 1600, "the chat loads a thumbnail, not the photo"
    assert thumbnail.get_attribute("loading") == "lazy"
    assert any(name.endswith(".jpg") for name in shop.media.names()), shop.media
    assert page.locator("#history .msg .caption", has_text="esse no 42").count() == 1
    page.wait_for_function(
        "() => document.querySelector('.chat-row.active .preview').innerText.includes('Imagem')")

    page.locator("#history a.media-open").click()

    viewer = page.locator("dialog#media-viewer[open]")
    viewer.wait_for()
    page.wait_for_function("() => document.querySelector('#media-viewer img').naturalWidth > 0")
    assert viewer.locator("img").evaluate("img => img.naturalWidth") == 1600
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "media-viewer.png"))
    page.keyboard.press("Escape")
    page.wait_for_selector("dialog#media-viewer", state="hidden")
    assert page.evaluate("document.activeElement.matches('a.media-open')"), \
        "focus goes back to the thumbnail"

    page.keyboard.press("Enter")  # the thumbnail opens from the keyboard too
    viewer.wait_for()
    page.locator("#media-viewer .viewer-close").click()
    page.wait_for_selector("dialog#media-viewer", state="hidden")
    assert page.violations == []


def test_a_received_voice_note_plays_in_the_chat(shop, page):
    inbound_text(shop, "5531922220002", "vou mandar um áudio", "Rui Voz")
    page.wait_for_selector(".chat-row:has-text('Rui Voz')")
    open_chat(page, "Rui Voz")

    inbound_media(shop, "5531922220002", "ptt", VOICE_NOTE.read_bytes(),
                  "audio/ogg; codecs=opus", duration=7)

    audio = page.locator("#history .msg audio")
    audio.wait_for(timeout=20_000)
    assert audio.get_attribute("preload") == "metadata"
    assert page.locator("#history .msg .duration").inner_text() == "0:07"
    duration = audio.evaluate("""audio => new Promise((resolve, reject) => {
        if (audio.readyState >= 1) return resolve(audio.duration);
        audio.addEventListener('loadedmetadata', () => resolve(audio.duration));
        audio.addEventListener('error', () => reject(new Error('error ' + audio.error.code)));
    })""")
    assert 6 < duration < 8
    page.locator("#history .msg:has(audio) .meta").click()  # a click lets a page play sound
    played = audio.evaluate("""async audio => {
        await audio.play();
        await new Promise(resolve => {
            const done = () => audio.currentTime > 0.3 && resolve();
            audio.addEventListener('timeupdate', done);
            setTimeout(resolve, 5000);
        });
        return audio.currentTime;
    }""")
    assert played > 0.3
    assert page.locator(".media-unplayable").is_hidden()

    # Its message is drawn again (as when its transcript arrives): the sound goes on.
    still = audio.evaluate("""async audio => {
        audio.dataset.marked = 'yes';
        const message = audio.closest('.msg');
        const response = await fetch(`/messages/${message.dataset.id}/`,
                                     {headers: {'HX-Request': 'true'}});
        window.ponteLive.mergeMessages(await response.text());
        const now = document.querySelector(`#m-${message.dataset.id} audio`);
        const before = now.currentTime;
        await new Promise(resolve => setTimeout(resolve, 1000));
        return [now.dataset.marked, now.paused, now.currentTime > before,
                document.getElementById(message.id) !== message];
    }""")
    assert still == ["yes", False, True, True]
    page.wait_for_function(
        "() => document.querySelector('.chat-row.active .preview').innerText.includes('Áudio')")


def test_a_received_document_shows_its_name_and_size_and_downloads_the_same_bytes(shop, page):
    inbound_text(shop, "5531922220003", "segue a fatura", "Téo Doc")
    page.wait_for_selector(".chat-row:has-text('Téo Doc')")
    open_chat(page, "Téo Doc")
    data = receipt_pdf()

    inbound_media(shop, "5531922220003", "document", data, "application/pdf",
                  filename=HOSTILE_NAME)

    document = page.locator("#history .msg a.document")
    document.wait_for(timeout=20_000)
    assert document.locator(".filename").inner_text() == HOSTILE_NAME.replace("\u202e", "")
    size = document.locator(".size").inner_text()
    assert size.endswith("KB") and "," in size, size  # "1,3 KB": Portuguese
    assert page.locator("#history img").count() == 0
    download = click_for_download(page, document)
    path = download.path()
    assert Path(path).read_bytes() == data
    assert "\u202e" not in download.suggested_filename
    assert page.dialogs == [] and page.violations == []


def test_a_shared_contacts_number_opens_its_chat_in_ponte(shop, page):
    inbound_text(shop, "5531922220004", "te passo o contato", "Bia Card")
    page.wait_for_selector(".chat-row:has-text('Bia Card')")
    open_chat(page, "Bia Card")
    vcard = ("BEGIN:VCARD\nVERSION:3.0\nN:;Marcos Entregas;;;\nFN:Marcos Entregas\n"
             "TEL;type=CELL;waid=5531988887777:+55 31 98888-7777\nEND:VCARD")

    body = wppconnect_text("5531922220004", uuid.uuid4().hex, vcard, int(time.time())) | {
        "type": "vcard", "vcardFormattedName": "Marcos Entregas"}
    httpx.post(shop.server.base + shop.made["webhook_url"], json=body, timeout=10)

    number = page.locator("#history .shared-contact a.contact-phone")
    number.wait_for(timeout=20_000)
    assert page.locator("#history .shared-contact .name").inner_text() == "Marcos Entregas"
    number.click()
    page.wait_for_selector(".chat-head:has-text('+55 31 98888-7777')")
    assert "Conversa nova" in page.locator(".chat-head").inner_text()
