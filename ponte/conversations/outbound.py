"""Queueing messages to send: check, then store as pending; the sender does the rest."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ponte import realtime
from ponte.accounts.models import Instance, Organization
from ponte.conversations.contacts import resolve_contact
from ponte.conversations.models import Conversation, Message, MessageStatus
from ponte.conversations.sender import sending
from ponte.conversations.storing import bump_conversation, publish_message_changed
from ponte.errors import Refused
from ponte.identity import canonicalize
from ponte.personal_data import sending_refused
from ponte.text import is_storable

MAX_TEXT = 4096  # WhatsApp's own limit for a text message


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
    chat, _ = Conversation.objects.get_or_create(instance=instance, contact=contact,
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
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            org_id=chat.org_id, instance_id=chat.instance_id, conversation=chat,
            direction=Message.Direction.OUTBOUND, kind="text", text=text,
            status=MessageStatus.PENDING, engine_timestamp=now, next_attempt_at=now,
            send_deadline=send_deadline(now), sent_by=user,
        )
        bump_conversation(message)
        transaction.on_commit(sending.wake)
        realtime.publish_on_commit(chat.org_id, "message.queued", {
            "conversation_id": chat.pk, "message_id": message.pk})
    return message


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
