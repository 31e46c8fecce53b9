"""The media worker ("ponte-media"): each received file fetched, checked and stored.

A `MediaDownload` row is the job, queued with its message by the inbox drainer
(`storing.do_store_inbound_many`), which never waits for a file. The worker claims
due rows with a lease, decodes the base64 the webhook carried or asks the engine
(`download_media`, through the same `EngineCaller` the sender uses, reading no more
than the kind's size cap), stores the bytes (`media.storing.do_store_bytes`, outside
any transaction), and then, in one short transaction, points the message at its file,
marks it stored and deletes the row with its base64. A transient failure (the engine
down, a timeout, the storage unreachable) is tried again with backoff, a few times;
a file the checks refuse, or one the engine no longer has, ends the job at once. Every
end tells the open chats (`message.status`).
"""

import base64
import binascii
import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from ponte.background import BackgroundLoop
from ponte.conversations.models import ContactHandle, MediaDownload, Message
from ponte.conversations.storing import publish_message_changed
from ponte.db import serialized_writes
from ponte.engines.base import EngineError, MediaReference, MediaTooLarge
from ponte.engines.calls import EngineCaller, is_configured
from ponte.media.kinds import cap_for
from ponte.media.models import MediaFile
from ponte.media.storing import Incoming, MediaRefused, do_release_files, do_store_bytes
from ponte.text import clip_error

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
POLL_SECONDS = 2.0
BATCH_SIZE = 10
BACKOFF_MAX_SECONDS = 600

# Sent once a received message's file is stored and committed (a voice note can now be
# transcribed): `message_id`, `org_id`, `kind`.
file_stored = Signal()


@dataclass(frozen=True)
class Fetched:
    data: bytes
    declared_mimetype: str | None


def claim_due(limit: int = BATCH_SIZE) -> list[int]:
    """Due downloads, leased and counted as an attempt before any work, so a crash in the
    middle of one costs an attempt too and cannot repeat forever."""
    now = timezone.now()
    with serialized_writes(), transaction.atomic():
        due = MediaDownload.objects.filter(next_attempt_at__lte=now).order_by(
            "next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        MediaDownload.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE,
                                                        attempts=F("attempts") + 1)
    return ids


def backoff(attempts: int) -> timedelta:
    base = settings.PONTE_MEDIA_DOWNLOAD_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(base, BACKOFF_MAX_SECONDS) * random.uniform(0.5, 1.0))


def decode_inline(text: str, kind: str) -> bytes:
    """The file a webhook carried as base64 (a `data:` prefix allowed)."""
    if text.startswith("data:"):
        text = text.partition(",")[2]
    text = "".join(text.split())
    cap = cap_for(kind)
    if len(text) // 4 * 3 - 2 > cap:
        raise MediaRefused("too_large", f"about {len(text) // 4 * 3} bytes; a {kind} may "
                                        f"have {cap}")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MediaRefused("unreadable", f"the webhook's base64 is malformed: {exc}") from exc


class MediaDownloader:
    """Fetches and stores due files, one try each per pass."""

    def __init__(self) -> None:
        self.caller = EngineCaller()

    def close(self) -> None:
        self.caller.close()

    def run_pass(self) -> float | None:
        ids = claim_due()
        for download_id in ids:
            self.fetch(download_id)
        return 0 if ids else None

    def fetch(self, download_id: int) -> None:
        download = (MediaDownload.objects
                    .select_related("message__instance", "message__conversation__contact")
                    .filter(pk=download_id).first())
        if download is None:
            return  # its message was deleted meanwhile (a hidden number, an erasure)
        message = download.message
        try:
            fetched = self.bytes_of(download)
            stored = do_store_bytes(message.org_id, Incoming(
                fetched.data, message.kind, fetched.declared_mimetype))
            if not do_attach_file(download, stored):
                # Released between storing and attaching: store the bytes again.
                do_attach_file(download, do_store_bytes(message.org_id, Incoming(
                    fetched.data, message.kind, fetched.declared_mimetype)))
        except MediaRefused as exc:
            log.info("message %s: file refused (%s): %s", message.pk, exc.problem, exc.detail)
            do_end_download(download, "refused", exc.problem)
        except MediaTooLarge as exc:
            do_end_download(download, "refused", "too_large")
            log.info("message %s: file refused: %s", message.pk, exc.detail)
        except EngineError as exc:
            if exc.kind == "media_gone":
                do_end_download(download, "gone", "media_gone")
            else:
                self.failed_attempt(download, "engine", exc.detail)
        except Exception as exc:  # the storage unreachable, a full disk: tried again later
            log.exception("message %s: the file could not be stored", message.pk)
            self.failed_attempt(download, "storage", f"{type(exc).__name__}: {exc}")

    def bytes_of(self, download: MediaDownload) -> Fetched:
        message = download.message
        media = message.media or {}
        declared = media.get("mimetype")
        if download.inline_base64:
            return Fetched(decode_inline(download.inline_base64, message.kind), declared)
        if not is_configured(message.instance):
            raise EngineError("the WhatsApp instance has no engine configured")
        reference = media.get("engine_reference")
        wanted = MediaReference(
            engine_message_id=message.engine_message_id or "",
            engine_reference=None if reference == "inline" else reference,
            mimetype=declared, chat_wa_id=chat_wa_id(message),
            from_me=message.direction == Message.Direction.OUTBOUND)
        got = self.caller.call(message.instance, lambda client: client.download_media(
            wanted, max_bytes=cap_for(message.kind)))
        return Fetched(got.data, got.mimetype or declared)

    def failed_attempt(self, download: MediaDownload, problem: str, detail: str) -> None:
        """Back off and try again, until the attempts (this one counted) are spent."""
        if download.attempts >= settings.PONTE_MEDIA_DOWNLOAD_MAX_ATTEMPTS:
            log.warning("message %s: file not fetched after %d tries: %s",
                        download.message_id, download.attempts, detail)
            do_end_download(download, "failed", problem)
        else:
            do_retry_download(download, detail, backoff(download.attempts))


def chat_wa_id(message: Message) -> str:
    """The chat's WhatsApp id, for an engine that finds a message by its chat: the number
    the engine confirmed, else a phone the chat was seen with, else its @lid."""
    contact = message.conversation.contact
    if contact.wa_id:
        return contact.wa_id
    handles = dict(ContactHandle.objects.filter(contact=contact).order_by("id")
                   .values_list("kind", "value"))
    if ContactHandle.Kind.PHONE in handles:
        return handles[ContactHandle.Kind.PHONE]
    if ContactHandle.Kind.LID in handles:
        return f"{handles[ContactHandle.Kind.LID]}@lid"
    return (contact.e164 or "").lstrip("+")


downloading = BackgroundLoop("ponte-media", MediaDownloader, period=lambda: POLL_SECONDS)


# What becomes of a try (its attempt was counted when the row was claimed).

def do_attach_file(download: MediaDownload, stored: MediaFile) -> bool:
    """The file is stored: the message shows it, and the job (with its base64) is gone.

    False when the file was released meanwhile (its row locked first, so this cannot
    interleave with `do_release_files`): the caller stores the bytes again.
    """
    message = download.message
    with serialized_writes(), transaction.atomic():
        present = MediaFile.objects.filter(pk=stored.pk)
        if connection.features.has_select_for_update:
            present = present.select_for_update()
        if not present.exists():
            return False
        media = {key: value for key, value in (message.media or {}).items() if key != "problem"}
        media["state"] = "stored"
        attached = Message.objects.filter(pk=message.pk).update(file=stored, media=media)
        MediaDownload.objects.filter(pk=download.pk).delete()
        if attached:
            publish_message_changed(message.org_id, message.conversation_id, message.pk)
            transaction.on_commit(lambda: file_stored.send(
                sender=Message, message_id=message.pk, org_id=message.org_id,
                kind=message.kind))
        else:  # the message went meanwhile: so does its file, unless another uses it
            transaction.on_commit(lambda: do_release_files({stored.pk}))
    return True


def do_end_download(download: MediaDownload, state: str, problem: str) -> None:
    """No file for this message: the chat says why (refused, gone, failed)."""
    message = download.message
    with serialized_writes(), transaction.atomic():
        media = {**(message.media or {}), "state": state, "problem": problem}
        ended = Message.objects.filter(pk=message.pk).update(media=media)
        MediaDownload.objects.filter(pk=download.pk).delete()
        if ended:
            publish_message_changed(message.org_id, message.conversation_id, message.pk)


def do_retry_download(download: MediaDownload, error: str, delay: timedelta) -> None:
    MediaDownload.objects.filter(pk=download.pk).update(
        error=clip_error(error), next_attempt_at=timezone.now() + delay)
