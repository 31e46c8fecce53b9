"""Files go out with the same guarantees as text, on every engine: once each, retried,
reconciled, and a voice note as a voice note."""

import io

import pytest
from django.core.files.storage import storages
from django.test import override_settings
from mutagen.oggopus import OggOpus

from emulators import cloudapi, evolution
from ponte.conversations.attachments import Attachment
from ponte.conversations.models import Message
from ponte.conversations.outbound import check_send_media, do_queue_media
from ponte.conversations.test_sender_engines import FAST, shop  # noqa: F401 (the fixture)
from ponte.media.models import MediaFile
from tests import media_samples
from tests.support import fixtures_dir, send_until_settled

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
VOICE = (fixtures_dir() / "recordings" / "chromium-voice.webm").read_bytes()


def settle(org, attachment: Attachment, caption: str = "", passes: int = 10) -> Message:
    chat, media = check_send_media(org, attachment, caption=caption, to="5531987654321")
    return send_until_settled(do_queue_media(chat, media, caption=caption), passes=passes)


def photo() -> Attachment:
    return Attachment(media_samples.jpeg(), "vitrine.jpg", "image/jpeg")


@override_settings(**FAST)
def test_a_photo_reaches_whatsapp_once_with_its_caption(shop):  # noqa: F811
    org, emulator = shop

    message = settle(org, photo(), "Chegou a coleção nova!")

    assert message.status == "sent" and message.kind == "image"
    [sent] = emulator.media_sends
    assert (sent.kind, sent.caption, sent.voice) == ("image", "Chegou a coleção nova!", False)
    assert sent.data == media_samples.jpeg()
    assert message.engine_message_id == sent.engine_message_id


@override_settings(**FAST)
def test_504_twice_then_success_sends_the_file_once(shop):  # noqa: F811
    org, emulator = shop
    emulator.fail_next("send_media", status=504, times=2)

    message = settle(org, Attachment(media_samples.pdf(), "Boleto junho.pdf",
                                     "application/pdf"), "Segue o boleto")

    assert (message.status, message.attempts, message.kind) == ("sent", 3, "document")
    assert len(emulator.media_sends) == 1


@override_settings(**FAST)
def test_a_lost_answer_never_sends_the_file_twice(shop, request):  # noqa: F811
    org, emulator = shop
    if isinstance(emulator, evolution.Emulator):
        # Evolution's client lists a media message's text as "" in recent_messages (it
        # reads only conversation/extendedTextMessage), so a captioned file is not found in
        # the chat and goes again once the reconcile window ends: an engine-client fix.
        request.applymarker(pytest.mark.xfail(reason="Evolution's recent_messages omits "
                                              "media captions", strict=False))
    emulator.hang_next("send_media", seconds=2.0, deliver=True)

    message = settle(org, photo(), "Foto do pedido")

    assert len(emulator.delivered) == 1
    if isinstance(emulator, cloudapi.Emulator):
        assert message.status == "failed" and message.failure == "unknown_outcome"
    else:
        assert message.status == "sent"
        assert message.engine_message_id == emulator.delivered[0]["engine_message_id"]


@override_settings(**FAST)
def test_a_recorded_voice_note_goes_as_a_voice_message(shop):  # noqa: F811
    org, emulator = shop

    message = settle(org, Attachment(VOICE, "audio.webm", "audio/webm", voice=True))

    assert (message.status, message.kind) == ("sent", "voice")
    assert message.file.mimetype == "audio/ogg"
    [sent] = emulator.media_sends
    assert (sent.kind, sent.voice) == ("voice", True)
    assert sent.data[:4] == b"OggS" and OggOpus(io.BytesIO(sent.data)).info.length > 1.5


@override_settings(**FAST)
def test_a_document_keeps_its_name_and_a_video_goes_as_video(shop):  # noqa: F811
    org, emulator = shop

    settle(org, Attachment(media_samples.pdf(), "Boleto junho.pdf", "application/pdf"))
    settle(org, Attachment(media_samples.mp4(), "provador.mp4", "video/mp4"), "no provador")

    document, video = emulator.media_sends
    assert (document.kind, document.filename) == ("document", "Boleto junho.pdf")
    assert (video.kind, video.caption) == ("video", "no provador")
    assert video.data == media_samples.mp4()


@override_settings(**FAST)
def test_a_file_erased_before_it_went_fails_without_calling_the_engine(shop):  # noqa: F811
    org, emulator = shop
    chat, media = check_send_media(org, photo(), to="5531987654321")
    message = do_queue_media(chat, media)
    storages["ponte_media"].delete(message.file.name)

    message = send_until_settled(message)

    assert (message.status, message.failure) == ("failed", "file_missing")
    assert "arquivo" in message.failure_reason
    assert emulator.delivered == []
    assert not [r for r in emulator.requests if r.operation == "send_media"]


@override_settings(**FAST)
def test_the_same_photo_sent_twice_is_stored_once_and_goes_twice(shop):  # noqa: F811
    org, emulator = shop

    first = settle(org, photo(), "primeira")
    second = settle(org, photo(), "segunda")

    assert first.file_id == second.file_id and MediaFile.objects.count() == 1
    assert len(emulator.delivered) == 2
