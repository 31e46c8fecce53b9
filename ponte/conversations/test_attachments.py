"""Which WhatsApp kind a file goes as is read from its bytes, never from its name."""

import io

import pytest
from PIL import Image

from ponte.conversations.attachments import (
    Attachment,
    AttachmentRefused,
    clean_filename,
    outgoing,
)
from ponte.conversations.oggopus import is_ogg_opus, webm_to_ogg_opus
from tests import media_samples as samples
from tests.support import fixtures_dir

WEBM_VOICE = (fixtures_dir() / "recordings" / "chromium-voice.webm").read_bytes()
OGG_VOICE = webm_to_ogg_opus(WEBM_VOICE)


def picture(format_: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format_)
    return out.getvalue()


def mp4(brand: bytes, handler: bytes) -> bytes:
    """The start of an MP4: its ftyp box and a track whose handler says what it holds."""
    ftyp = b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x02\x00" + brand + b"mp41"
    hdlr = b"\x00\x00\x00\x21hdlr" + bytes(8) + handler + bytes(13)
    return ftyp + b"\x00\x00\x00\x29moov" + hdlr


@pytest.mark.parametrize(("make", "kind", "mimetype"), [
    (samples.jpeg, "image", "image/jpeg"),
    (samples.png, "image", "image/png"),
    (samples.mp4, "video", "video/mp4"),
    (samples.three_gp, "video", "video/3gpp"),
    (samples.m4a, "audio", "audio/mp4"),
    (lambda: mp4(b"iso5", b"soun"), "audio", "audio/mp4"),  # Safari's recorded voice
    (samples.mp3, "audio", "audio/mpeg"),
    (lambda: b"\xff\xf1\x50\x80" + bytes(100), "audio", "audio/aac"),
    (samples.amr, "audio", "audio/amr"),
    (samples.voice_note, "audio", "audio/ogg"),
    (lambda: OGG_VOICE, "audio", "audio/ogg"),
])
def test_files_whatsapp_plays_go_as_their_kind(make, kind, mimetype):
    sent = outgoing(Attachment(make(), "qualquer.bin", "application/octet-stream"))
    assert (sent.kind, sent.mimetype) == (kind, mimetype)


@pytest.mark.parametrize(("make", "declared"), [
    (lambda: picture("GIF"), "image/gif"),
    (samples.webp, "image/webp"),
    (lambda: samples.SVG, "image/svg+xml"),
    (samples.pdf, "application/pdf"),
    (lambda: samples.HTML, "text/html"),
    (samples.docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (lambda: WEBM_VOICE, "audio/webm"),  # a recording not asked to go as a voice note
])
def test_anything_else_goes_as_a_document_with_its_declared_type(make, declared):
    sent = outgoing(Attachment(make(), "arquivo", declared))
    assert (sent.kind, sent.mimetype) == ("document", declared)


def test_a_name_that_lies_does_not_make_a_photo():
    sent = outgoing(Attachment(samples.pdf(), "foto.jpg", "application/pdf"))
    assert sent.kind == "document" and sent.filename == "foto.jpg"


@pytest.mark.parametrize(("make", "declared"), [
    (lambda: samples.HTML, "image/jpeg"),
    (samples.pdf, "image/png"),
    (lambda: samples.SVG, "video/mp4"),
    (samples.jpeg, "audio/mpeg"),
])
def test_a_file_that_is_not_the_picture_audio_or_video_it_claims_is_refused(make, declared):
    with pytest.raises(AttachmentRefused) as refused:
        outgoing(Attachment(make(), "arquivo", declared))
    assert refused.value.code == "type_mismatch"


def test_a_picture_whatsapp_shows_only_as_a_document_keeps_its_type():
    sent = outgoing(Attachment(picture("GIF"), "anim.gif", "image/gif"))
    assert (sent.kind, sent.mimetype) == ("document", "image/gif")


def test_a_browser_recording_sent_as_voice_is_rewrapped_as_ogg_opus():
    sent = outgoing(Attachment(WEBM_VOICE, "blob", "audio/webm", voice=True))
    assert (sent.kind, sent.mimetype, sent.filename) == ("voice", "audio/ogg", "audio.ogg")
    assert is_ogg_opus(sent.data)


def test_an_ogg_opus_voice_note_goes_as_it_is():
    sent = outgoing(Attachment(OGG_VOICE, "nota.ogg", "audio/ogg", voice=True))
    assert (sent.kind, sent.data) == ("voice", OGG_VOICE)


@pytest.mark.parametrize("data", [b"ID3\x04" + bytes(100), picture("PNG"), b"OggS" + bytes(80)])
def test_a_voice_note_that_is_not_opus_is_refused(data):
    with pytest.raises(AttachmentRefused) as refused:
        outgoing(Attachment(data, "nota", "audio/mpeg", voice=True))
    assert refused.value.code == "voice_not_opus"
    assert "Opus" in str(refused.value.detail)


def test_audio_takes_no_caption_and_an_empty_file_is_refused():
    with pytest.raises(AttachmentRefused) as audio:
        outgoing(Attachment(OGG_VOICE, "nota.ogg", "audio/ogg", voice=True), "ouça")
    with pytest.raises(AttachmentRefused) as empty:
        outgoing(Attachment(b"", "vazio.pdf", "application/pdf"))
    assert audio.value.code == "caption_not_allowed" and "legenda" in str(audio.value.detail)
    assert empty.value.code == "empty"


@pytest.mark.parametrize(("raw", "clean"), [
    ("C:\\Users\\ana\\Pedido 123.pdf", "Pedido 123.pdf"),
    ("../../etc/passwd", "passwd"),
    ("Fatura \u202egnp.exe", "Fatura gnp.exe"),
    ("linha\nquebrada\x00.txt", "linhaquebrada.txt"),
    ("", "arquivo.pdf"),
    ("...", "arquivo.pdf"),
    ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
])
def test_the_name_a_customer_sees_has_no_folders_controls_or_excess(raw, clean):
    assert clean_filename(raw, "application/pdf") == clean
