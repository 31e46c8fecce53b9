"""Receiving a file: the webhook is answered at once, the worker fetches and stores it later."""

import base64
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ponte import realtime
from ponte.conversations.media_downloads import MediaDownloader, file_stored
from ponte.conversations.models import MediaDownload, Message
from ponte.engines.events import InboundMessage, Location, Media, SharedContact
from ponte.identity import canonicalize
from ponte.inbox.models import InboxEvent
from ponte.inbox.pipeline import drain
from ponte.media.models import MediaFile
from ponte.media.storage import media_storage
from tests import media_samples as samples
from tests.support import wppconnect_text

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = "5531987654321"


def wppconnect_media(data: bytes, *, wa_type: str = "image", mimetype: str = "image/jpeg",
                     message_id: str = "MEDIA1", filename: str | None = None,
                     caption: str = "", encoded: str | None = None) -> dict:
    """What WPPConnect Server posts for a media message with its default autoDownload: the
    whole file as base64 in `body`."""
    encoded = base64.b64encode(data).decode() if encoded is None else encoded
    body = wppconnect_text(PHONE, message_id, "") | {
        "type": wa_type, "body": encoded, "mimetype": mimetype, "size": len(data),
        "caption": caption}
    if filename:
        body["filename"] = filename
    return body


def receive(tenant, *bodies: dict) -> None:
    """Post each body through the real webhook, then let the drainer store them."""
    client = Client()
    for body in bodies:
        response = client.post(tenant.instance.webhook_path, data=json.dumps(body),
                               content_type="application/json")
        assert response.status_code == 200
    drain()


def fetch_files(passes: int = 10) -> None:
    """Run the media worker until nothing is due, skipping backoff waits."""
    downloader = MediaDownloader()
    try:
        for _ in range(passes):
            MediaDownload.objects.update(next_attempt_at=timezone.now())
            if downloader.run_pass() is None:
                break
    finally:
        downloader.close()


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, dict]]:
    events: list[tuple[str, dict]] = []
    monkeypatch.setattr(realtime, "publish", lambda org, kind, data: events.append((kind, data)))
    return events


def stored_bytes(name: str) -> bytes:
    with media_storage().open(name) as handle:
        return handle.read()


def test_a_photo_in_the_webhook_is_stored_by_the_worker_not_by_the_drainer(
        make_tenant, media_storage, published):
    tenant = make_tenant()
    photo = samples.jpeg()
    receive(tenant, wppconnect_media(photo, caption="Esse modelo tem em azul?"))
    message = Message.objects.get()
    assert message.kind == "image" and message.caption == "Esse modelo tem em azul?"
    assert message.media["state"] == "pending" and message.file is None
    assert "inline_base64" not in message.media
    assert MediaDownload.objects.get(message=message).inline_base64

    fetch_files()
    message.refresh_from_db()
    assert message.media["state"] == "stored"
    assert message.file.mimetype == "image/jpeg" and message.file.size == len(photo)
    assert stored_bytes(message.file.name) == photo
    assert MediaDownload.objects.count() == 0, "the base64 goes with the job"
    assert ("message.status", {"conversation_id": message.conversation_id,
                               "message_id": message.pk}) in published


def test_every_kind_of_file_is_stored_as_what_it_is(make_tenant):
    tenant = make_tenant()
    receive(tenant,
            wppconnect_media(samples.voice_note(), wa_type="ptt",
                             mimetype="audio/ogg; codecs=opus", message_id="V1"),
            wppconnect_media(samples.pdf(), wa_type="document", mimetype="application/pdf",
                             filename="Nota fiscal.pdf", message_id="D1"),
            wppconnect_media(samples.mp4(), wa_type="video", mimetype="video/mp4",
                             message_id="M1"),
            wppconnect_media(samples.webp(), wa_type="sticker", mimetype="image/webp",
                             message_id="S1"))
    fetch_files()
    files = {m.kind: m.file for m in Message.objects.select_related("file")}
    assert files["voice"].mimetype == "audio/ogg"
    assert files["voice"].duration == pytest.approx(2.0, abs=0.1)
    assert files["document"].mimetype == "application/pdf"
    assert files["video"].mimetype == "video/mp4"
    assert files["sticker"].thumbnail
    assert Message.objects.get(kind="document").media["filename"] == "Nota fiscal.pdf"


def test_the_same_photo_sent_twice_is_one_file(make_tenant, media_storage):
    tenant = make_tenant()
    photo = samples.jpeg(color="maroon")
    receive(tenant, wppconnect_media(photo, message_id="A1"),
            wppconnect_media(photo, message_id="A2"))
    fetch_files()
    first, second = Message.objects.order_by("id")
    assert first.file_id == second.file_id
    assert MediaFile.objects.count() == 1
    assert len(media_storage.names()) == 2  # the file and its thumbnail


def test_a_photo_that_is_really_a_web_page_is_kept_out_and_the_message_says_why(
        make_tenant, media_storage, published):
    tenant = make_tenant()
    receive(tenant, wppconnect_media(samples.HTML, mimetype="image/jpeg"))
    fetch_files()
    message = Message.objects.get()
    assert message.file is None
    assert (message.media["state"], message.media["problem"]) == ("refused", "type_mismatch")
    assert media_storage.names() == set()
    assert MediaDownload.objects.count() == 0
    assert ("message.status", {"conversation_id": message.conversation_id,
                               "message_id": message.pk}) in published


def test_malformed_base64_in_the_webhook_is_refused_as_unreadable(make_tenant):
    tenant = make_tenant()
    # As long as the size the body declares: the parser takes it for the whole file.
    receive(tenant, wppconnect_media(bytes(18), encoded="/9j/4AAQ***not base64***"))
    fetch_files()
    message = Message.objects.get()
    assert (message.media["state"], message.media["problem"]) == ("refused", "unreadable")


def test_a_file_over_its_kinds_cap_is_refused_without_decoding(make_tenant, settings):
    tenant = make_tenant()
    photo = samples.jpeg()
    settings.PONTE_MEDIA_MAX_BYTES_IMAGE = len(photo) // 2
    receive(tenant, wppconnect_media(photo))
    fetch_files()
    message = Message.objects.get()
    assert (message.media["state"], message.media["problem"]) == ("refused", "too_large")


def test_a_data_url_prefix_is_read_as_the_same_file(make_tenant):
    tenant = make_tenant()
    photo = samples.png()
    encoded = "data:image/png;base64," + base64.b64encode(photo).decode()
    receive(tenant, wppconnect_media(photo, mimetype="image/png", encoded=encoded))
    fetch_files()
    assert stored_bytes(Message.objects.get().file.name) == photo


def test_the_kept_webhook_body_loses_the_files_base64(make_tenant, settings):
    settings.PONTE_INBOX_RETENTION_HOURS = 24
    tenant = make_tenant()
    photo = samples.jpeg(color="navy")
    encoded = base64.b64encode(photo).decode()
    receive(tenant, wppconnect_media(photo))
    kept = InboxEvent.objects.get()
    assert kept.state == "done"
    assert encoded[:200] not in kept.body
    # What the message needs is in the download queue, and from there in the storage.
    assert MediaDownload.objects.get().inline_base64 == encoded


def test_a_text_message_has_no_media_and_queues_nothing(make_tenant):
    tenant = make_tenant()
    receive(tenant, wppconnect_text(PHONE, "T1", "Bom dia"))
    message = Message.objects.get()
    assert message.media is None
    assert MediaDownload.objects.count() == 0


def test_a_transient_failure_is_tried_again_then_the_message_says_it_failed(
        make_tenant, settings, tmp_path):
    tenant = make_tenant()
    settings.PONTE_MEDIA_DOWNLOAD_MAX_ATTEMPTS = 3
    receive(tenant, wppconnect_media(samples.jpeg()))
    # The storage's folder cannot be made: a full or read-only disk, as far as Ponte sees.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    settings.STORAGES = {**settings.STORAGES, "ponte_media": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": blocked / "media"}}}
    downloader = MediaDownloader()
    try:
        downloader.run_pass()
        row = MediaDownload.objects.get()
        assert row.attempts == 1 and "NotADirectoryError" in row.error
        assert row.next_attempt_at > timezone.now(), "it backs off"
        assert Message.objects.get().media["state"] == "pending"
        for _ in range(2):
            MediaDownload.objects.update(next_attempt_at=timezone.now())
            downloader.run_pass()
    finally:
        downloader.close()
    message = Message.objects.get()
    assert (message.media["state"], message.media["problem"]) == ("failed", "storage")
    assert MediaDownload.objects.count() == 0


def test_a_download_a_worker_died_on_is_taken_again_after_its_lease(make_tenant):
    from ponte.conversations.media_downloads import LEASE, claim_due

    tenant = make_tenant()
    receive(tenant, wppconnect_media(samples.jpeg()))
    assert len(claim_due()) == 1  # then the worker dies
    assert claim_due() == []
    MediaDownload.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert MediaDownload.objects.get().next_attempt_at < timezone.now() + LEASE
    fetch_files()
    assert Message.objects.get().media["state"] == "stored"


def test_a_message_deleted_while_its_file_was_fetched_leaves_no_file(
        make_tenant, media_storage, monkeypatch):
    from ponte.conversations import media_downloads

    tenant = make_tenant()
    receive(tenant, wppconnect_media(samples.jpeg(color="gray")))
    real_store = media_downloads.do_store_bytes

    def store_while_the_chat_is_deleted(org_id, incoming):
        stored = real_store(org_id, incoming)
        Message.objects.all().delete()  # a hide or an erasure, meanwhile
        return stored

    monkeypatch.setattr(media_downloads, "do_store_bytes", store_while_the_chat_is_deleted)
    downloader = MediaDownloader()
    try:
        downloader.fetch(MediaDownload.objects.get().pk)
    finally:
        downloader.close()
    assert MediaFile.objects.count() == 0
    assert media_storage.names() == set()


def test_a_stored_voice_note_is_announced_for_transcription(make_tenant):
    tenant = make_tenant()
    heard = []

    def listen(sender, **kwargs):
        heard.append(kwargs)

    file_stored.connect(listen)
    try:
        receive(tenant, wppconnect_media(samples.voice_note(), wa_type="ptt",
                                         mimetype="audio/ogg; codecs=opus"))
        fetch_files()
    finally:
        file_stored.disconnect(listen)
    message = Message.objects.get()
    assert heard == [{"message_id": message.pk, "org_id": message.org_id, "kind": "voice",
                      "signal": file_stored}]


def test_a_location_and_shared_contacts_are_kept_with_the_message(make_tenant):
    from ponte.conversations.storing import do_store_inbound

    tenant = make_tenant()
    chat = canonicalize(f"{PHONE}@c.us")
    place = InboundMessage(
        engine_message_id="LOC1", chat=chat, sender=chat, timestamp=timezone.now(),
        kind="location", location=Location(latitude=-19.92, longitude=-43.94,
                                           name="Loja Centro", address="Av. Afonso Pena, 1000"))
    cards = InboundMessage(
        engine_message_id="VC1", chat=chat, sender=chat, timestamp=timezone.now(),
        kind="contact", shared_contacts=[SharedContact(
            name="Joana", phones=["+55 31 8765-4321", "(11) 98765-4321", "ramal 12"])])
    do_store_inbound(tenant.instance, place)
    do_store_inbound(tenant.instance, cards)
    located = Message.objects.get(kind="location")
    assert located.media == {"location": {"latitude": -19.92, "longitude": -43.94,
                                          "name": "Loja Centro",
                                          "address": "Av. Afonso Pena, 1000"}}
    shared = Message.objects.get(kind="contact")
    assert shared.media == {"contacts": [{"name": "Joana", "phones": [
        "+5531987654321", "+5511987654321", "ramal 12"]}]}
    assert MediaDownload.objects.count() == 0


def test_media_the_engine_keeps_is_queued_without_bytes(make_tenant):
    from ponte.conversations.storing import do_store_inbound

    tenant = make_tenant()
    chat = canonicalize(f"{PHONE}@c.us")
    do_store_inbound(tenant.instance, InboundMessage(
        engine_message_id="IMG9", chat=chat, sender=chat, timestamp=timezone.now(),
        kind="image", media=Media(mimetype="image/jpeg", engine_reference="65463453")))
    download = MediaDownload.objects.get()
    assert download.inline_base64 == ""
    assert download.message.media == {"mimetype": "image/jpeg",
                                      "engine_reference": "65463453", "state": "pending"}
