"""Checking and storing a file's bytes: caps, sniffed type, one copy per content.

A stored object's name is `<org>/<aa>/<sha256>-<random>.<ext>`: the content's hash
(never the sender's filename) and the extension of the type the bytes really are. The
random part gives every MediaFile row an object of its own, so a file released while
the same bytes arrive again never deletes the new copy's object, and two workers
storing the same bytes at once each write their own object; the unique constraint on
(org, sha256) keeps one row, and the loser deletes its object.

Call `do_store_bytes` outside a transaction (the download worker does): the object is
written before its row, and a rolled-back row would leave it behind unnamed.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ponte.db import serialized_writes
from ponte.media.kinds import ACCEPTED, AS_AUDIO, AS_VIDEO, PICTURED, cap_for, extension_for
from ponte.media.measuring import Picture, TooManyPixels, Unreadable, duration, picture
from ponte.media.models import MediaFile
from ponte.media.sniffing import normalized, sniff
from ponte.media.storage import delete_stored, media_storage

log = logging.getLogger(__name__)
PROBLEMS = ("too_large", "type_mismatch", "empty", "unreadable")
OCTET_STREAM = "application/octet-stream"


class MediaRefused(Exception):
    """Bytes that fail the checks; `problem` is a stable code (see `wording.py`)."""

    def __init__(self, problem: str, detail: str = "") -> None:
        super().__init__(detail or problem)
        self.problem = problem  # "too_large", "type_mismatch", "empty", "unreadable"
        self.detail = detail


@dataclass(frozen=True)
class Incoming:
    """Bytes to store and what their sender said of them."""

    data: bytes
    kind: str  # the message kind: image, sticker, audio, voice, video, document
    declared_mimetype: str | None = None


@dataclass(frozen=True)
class Checked:
    """What the checks learnt of acceptable bytes."""

    mimetype: str
    picture: Picture | None = None
    duration: float | None = None


def check_bytes(incoming: Incoming) -> Checked:
    """The bytes' true type and measures, or MediaRefused saying why they are kept out.

    A photo, sticker, audio or video must be what its kind shows (an "image/jpeg" that
    is really HTML or SVG is a type_mismatch); a document may be anything, and records
    what it really is.
    """
    data, kind = incoming.data, incoming.kind
    if not data:
        raise MediaRefused("empty", "the file has no bytes")
    cap = cap_for(kind)
    if len(data) > cap:
        raise MediaRefused("too_large", f"{len(data)} bytes; a {kind} may have {cap}")
    sniffed = sniff(data, incoming.declared_mimetype)
    accepted = ACCEPTED.get(kind)
    if accepted is None:
        mimetype = _document_type(sniffed, incoming.declared_mimetype)
    else:
        if kind in ("audio", "voice"):
            sniffed = AS_AUDIO.get(sniffed, sniffed)
        elif kind == "video":
            sniffed = AS_VIDEO.get(sniffed, sniffed)
        if sniffed not in accepted:
            raise MediaRefused("type_mismatch", f"a {kind} declared "
                               f"{normalized(incoming.declared_mimetype) or 'without a type'} "
                               f"whose bytes are {sniffed or 'of no known type'}")
        mimetype = sniffed
    seen = None
    if kind in PICTURED:
        try:
            seen = picture(data)
        except Unreadable as exc:
            raise MediaRefused("unreadable", f"not a readable picture: {exc}") from exc
        except TooManyPixels as exc:
            raise MediaRefused("too_large", f"a picture of {exc} pixels") from exc
    length = duration(data, mimetype) if mimetype.startswith(("audio/", "video/")) else None
    return Checked(mimetype, seen, length)


def _document_type(sniffed: str | None, declared: str | None) -> str:
    """A document's type: what the bytes are; text keeps its declared kind of text (a CSV
    sniffs as plain text); unrecognized bytes are never called a picture, audio or video."""
    declared = normalized(declared)
    plain_text = declared.startswith("text/") and declared not in ("text/html", "text/xml")
    if sniffed == "text/plain" and plain_text:
        return declared
    if sniffed:
        return sniffed
    if declared and "/" in declared and not declared.startswith(("image/", "audio/", "video/")) \
            and declared not in ("text/html", "text/xml", "application/xhtml+xml"):
        return declared[:100]
    return OCTET_STREAM


def do_store_bytes(org_id, incoming: Incoming) -> MediaFile:
    """Check the bytes and store them once per organization and content.

    Raises MediaRefused when a cap or the sniffed type refuses them. The same bytes
    stored again return the existing MediaFile.
    """
    checked = check_bytes(incoming)
    sha256 = hashlib.sha256(incoming.data).hexdigest()
    existing = MediaFile.objects.filter(org_id=org_id, sha256=sha256).first()
    if existing is not None:
        return _completed(existing, checked, incoming.kind)
    storage = media_storage()
    stem = f"{org_id}/{sha256[:2]}/{sha256}-{secrets.token_hex(4)}"
    name = storage.save(stem + extension_for(checked.mimetype), ContentFile(incoming.data))
    thumbnail = _save_thumbnail(stem, checked)
    seen = checked.picture
    try:
        with serialized_writes(), transaction.atomic():
            return MediaFile.objects.create(
                org_id=org_id, sha256=sha256, name=name, mimetype=checked.mimetype,
                size=len(incoming.data), thumbnail=thumbnail,
                width=seen.width if seen else None, height=seen.height if seen else None,
                duration=checked.duration)
    except IntegrityError:
        # Another worker stored the same bytes meanwhile: theirs is the copy.
        delete_stored([name, thumbnail])
        return MediaFile.objects.get(org_id=org_id, sha256=sha256)


def _save_thumbnail(stem: str, checked: Checked) -> str:
    if checked.picture is None or checked.picture.thumbnail is None:
        return ""
    return media_storage().save(f"{stem}-thumb.jpg", ContentFile(checked.picture.thumbnail))


def _completed(existing: MediaFile, checked: Checked, kind: str) -> MediaFile:
    """The same bytes first came as a document, now as a photo: give them their thumbnail."""
    if kind not in PICTURED or existing.thumbnail or checked.picture is None:
        return existing
    stem = existing.name.rsplit(".", 1)[0]
    thumbnail = _save_thumbnail(stem, checked)
    if not thumbnail:
        return existing
    with serialized_writes():
        updated = MediaFile.objects.filter(pk=existing.pk, thumbnail="").update(
            thumbnail=thumbnail, width=checked.picture.width, height=checked.picture.height)
    if updated:
        existing.thumbnail = thumbnail
        existing.width, existing.height = checked.picture.width, checked.picture.height
    else:
        delete_stored([thumbnail])
    return existing


def _unused() -> Q:
    """No row of any model points at the file (messages, and whatever comes to use files)."""
    condition = Q()
    for relation in MediaFile._meta.related_objects:
        users = relation.related_model._base_manager.filter(
            **{relation.field.name: OuterRef("pk")})
        condition &= ~Exists(users)
    return condition


def do_release_files(file_ids: set[int]) -> int:
    """Delete the files (and thumbnails) no message uses any more, once committed.

    The rows are locked first: a worker attaching one of them to a message meanwhile
    either did so before (the file stays) or finds it gone and stores the bytes anew.
    """
    if not file_ids:
        return 0
    with serialized_writes(), transaction.atomic():
        locked = MediaFile.objects.filter(pk__in=file_ids)
        if connection.features.has_select_for_update:
            locked = locked.select_for_update()
        ids = list(locked.values_list("pk", flat=True))
        unused = MediaFile.objects.filter(pk__in=ids).filter(_unused())
        names = [name for pair in unused.values_list("name", "thumbnail") for name in pair]
        _, deleted = unused.delete()
        transaction.on_commit(lambda: delete_stored(names))
    return deleted.get(MediaFile._meta.label, 0)


def do_release_unused_files(created_before=None) -> int:
    """Files nothing uses that are older than `created_before` (a crash between storing and
    attaching, a message deleted while its file was fetched): for the sweep."""
    created_before = created_before or timezone.now()
    stale = MediaFile.objects.filter(created_at__lt=created_before).filter(_unused())
    return do_release_files(set(stale.values_list("pk", flat=True)[:1000]))
