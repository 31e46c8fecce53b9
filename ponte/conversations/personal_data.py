"""What conversations hold about a person, for the privacy registry (`ponte.personal_data`)."""

from ponte.conversations.models import Contact, ContactHandle, Conversation, EarlyUpdate, Message
from ponte.personal_data import holds_personal_data

MESSAGE_FIELDS = ("id", "conversation_id", "direction", "kind", "text", "caption", "media",
                  "status", "revoked", "sender_name", "engine_timestamp", "created_at")


def _values(*fields: str):
    return lambda rows: list(rows.values(*fields))


def register() -> None:
    holds_personal_data(
        Message, "messages", order=10,
        rows=lambda p: Message.objects.filter(org_id=p.org_id,
                                              conversation__contact__in=p.contact_ids),
        export=_values(*MESSAGE_FIELDS))
    # An early ack names a message by its engine id, which for WPPConnect holds the phone.
    holds_personal_data(
        EarlyUpdate, "early_updates", order=15,
        rows=lambda p: EarlyUpdate.objects.filter(instance__org_id=p.org_id)
        .filter(p.mentioned_in("engine_message_id")))
    holds_personal_data(
        Conversation, "conversations", order=20,
        rows=lambda p: Conversation.objects.filter(org_id=p.org_id, contact__in=p.contact_ids),
        export=_values("id", "instance_id", "created_at", "last_message_at", "unread_count"))
    holds_personal_data(
        ContactHandle, "handles", order=30,
        rows=lambda p: ContactHandle.objects.filter(org_id=p.org_id, contact__in=p.contact_ids),
        export=_values("kind", "value"))
    holds_personal_data(
        Contact, "contacts", order=40,
        rows=lambda p: Contact.objects.filter(org_id=p.org_id, pk__in=p.contact_ids),
        export=_values("id", "e164", "name", "push_name", "wa_id", "photo_url", "created_at"))
