"""Queueing messages to send: check, then store as pending; the sender does the rest."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte import realtime
from ponte.accounts.models import Instance, Organization
from ponte.conversations.attachments import (
    Attachment,
    AttachmentRefused,
    Outgoing,
    outgoing,
)
from ponte.conversations.contacts import resolve_contact
from ponte.conversations.models import Conversation, Message, MessageStatus
from ponte.conversations.sender import sending
from ponte.conversations.storing import bump_conversation, publish_message_changed
from ponte.errors import Refused
from ponte.identity import canonicalize
from ponte.media.storing import Incoming, MediaRefused, check_bytes, do_store_bytes
from ponte.personal_data import sending_refused
from ponte.text import is_storable

MAX_TEXT = 4096  # WhatsApp's own limit for a text message
MAX_CAPTION = 1024  # and for a caption under a photo, video or document
KIND_NAMES = {"image": _("imagem"), "video": _("vídeo"), "audio": _("áudio"),
              "voice": _("mensagem de voz"), "document": _("documento")}


class SendRejected(Refused):
    """A message that cannot be queued, and why."""


def check_send_message(org: Organization, *, text: str, to: str | None = None,
                       conversation_id: int | None = None) -> Conversation:
    """The conversation a message goes to, from a phone in any form or a conversation id."""
    if not text or not text.strip():
        raise SendRejected("empty_text", "The message has no text.")
    if len(text) > MAX_TEXT:
        raise SendRejected("text_too_long", f"WhatsApp accepts at most {MAX_TEXT} characters.")
    if not is_storable(text):
        raise SendRejected("invalid_text", "The text holds a NUL or a lone UTF-16 surrogate, "
                                           "which cannot be stored or sent.")
    return check_recipient(org, to=to, conversation_id=conversation_id)


def check_send_media(org: Organization, attachment: Attachment, *, caption: str = "",
                     to: str | None = None, conversation_id: int | None = None,
                     ) -> tuple[Conversation, Outgoing]:
    """The conversation a file goes to and what it goes as (kind, bytes, name).

    Every check of the file, the storage's included, runs before the recipient's, which
    may start a conversation: a refused file leaves no empty chat behind.
    """
    if len(caption) > MAX_CAPTION:
        raise SendRejected("caption_too_long", _("O WhatsApp aceita legendas de até "
                                                 "%(limit)s caracteres.") % {"limit": MAX_CAPTION},
                           status=422)
    if not is_storable(caption):
        raise SendRejected("invalid_caption", _("A legenda tem caracteres inválidos que não "
                                                "podem ser enviados."), status=422)
    try:
        media = outgoing(attachment, caption)
    except AttachmentRefused as exc:
        raise SendRejected(exc.code, str(exc.detail), exc.status) from exc
    try:
        check_bytes(Incoming(media.data, media.kind, media.mimetype))
    except MediaRefused as exc:
        raise _refused(exc, media.kind) from exc
    return check_recipient(org, to=to, conversation_id=conversation_id), media


def check_recipient(org: Organization, *, to: str | None = None,
                    conversation_id: int | None = None) -> Conversation:
    """The conversation with a phone in any form, or with this id; started if new."""
    if conversation_id is not None:
        chat = Conversation.objects.for_org(org).filter(pk=conversation_id).first()
        if chat is None:
            raise SendRejected("not_found", "No such conversation.", status=404)
        _refuse_hidden(org, chat.contact.e164)
        return chat
    if not to:
        raise SendRejected("missing_recipient", "Give `to` (a phone) or `conversation_id`.")
    identity = canonicalize(to)
    if identity.kind != "user":
        raise SendRejected("invalid_phone", f"{to!r} is not a phone number we can send to.")
    _refuse_hidden(org, identity.e164)
    instance = Instance.objects.for_org(org).order_by("created_at").first()
    if instance is None:
        raise SendRejected("no_instance", "This organization has no WhatsApp instance.", 409)
    contact = resolve_contact(org, identity)
    chat, _created = Conversation.objects.get_or_create(instance=instance, contact=contact,
                                                        defaults={"org": org})
    return chat


def _refuse_hidden(org: Organization, e164: str | None) -> None:
    if sending_refused(org.pk, e164):
        raise SendRejected("hidden_number", "This number is hidden from the CRM: Ponte neither "
                                            "stores nor sends its messages. Unhide it in "
                                            "Settings › Privacy to write to it.", status=409)


def send_deadline(now: datetime) -> datetime:
    """Until when a message queued (or retried) now may still go out."""
    return now + timedelta(seconds=settings.PONTE_SEND_EXPIRY_SECONDS)


def do_queue_message(chat: Conversation, text: str, *, user=None) -> Message:
    return _queue(chat, kind="text", text=text, user=user)


def do_queue_media(chat: Conversation, media: Outgoing, *, caption: str = "",
                   user=None) -> Message:
    """Store the file (once per content) and queue it; the sender reads it back to send.

    The file is stored before the message's transaction, as the storage wants (a file
    no message came to use is swept later). Raises SendRejected if the storage refuses the
    bytes after all (`check_send_media` ran its checks; a limit lowered meanwhile).
    """
    try:
        stored = do_store_bytes(chat.org_id, Incoming(media.data, media.kind, media.mimetype))
    except MediaRefused as exc:
        raise _refused(exc, media.kind) from exc
    facts = {"mimetype": stored.mimetype, "filename": media.filename, "size": stored.size,
             "state": "stored"}
    if stored.duration is not None:
        facts["duration"] = stored.duration
    return _queue(chat, kind=media.kind, caption=caption, file=stored, media=facts, user=user)


def _queue(chat: Conversation, *, kind: str, user=None, **content) -> Message:
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            org_id=chat.org_id, instance_id=chat.instance_id, conversation=chat,
            direction=Message.Direction.OUTBOUND, kind=kind, status=MessageStatus.PENDING,
            engine_timestamp=now, next_attempt_at=now, send_deadline=send_deadline(now),
            sent_by=user, **content,
        )
        bump_conversation(message)
        transaction.on_commit(sending.wake)
        realtime.publish_on_commit(chat.org_id, "message.queued", {
            "conversation_id": chat.pk, "message_id": message.pk})
    return message


REFUSALS = {
    "too_large": _("O arquivo é grande demais para enviar pelo WhatsApp como %(kind)s."),
    "type_mismatch": _("O conteúdo do arquivo não é do tipo que ele diz ser."),
    "empty": _("O arquivo está vazio."),
    "unreadable": _("Não foi possível ler o arquivo: ele parece estar corrompido."),
}


def _refused(exc: MediaRefused, kind: str) -> SendRejected:
    """Why the storage keeps a file out, for a person (the API's detail, the composer's)."""
    words = REFUSALS.get(exc.problem, _("O arquivo foi recusado."))
    return SendRejected(exc.problem, str(words) % {"kind": KIND_NAMES.get(kind, kind)},
                        status=413 if exc.problem == "too_large" else 422)


def do_retry_message(message: Message) -> Message:
    """The user's retry of a failed send: back to pending, with fresh attempts and deadline."""
    if message.direction != Message.Direction.OUTBOUND or message.status != MessageStatus.FAILED \
            or message.engine_message_id:
        raise SendRejected("not_retryable", "Only a failed message that never left can be retried.",
                           status=409)
    now = timezone.now()
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.PENDING, attempts=0, error="", failure="",
            outcome_unknown_at=None, next_attempt_at=now, send_deadline=send_deadline(now))
        transaction.on_commit(sending.wake)
        publish_message_changed(message.org_id, message.conversation_id, message.pk)
    message.refresh_from_db()
    return message
