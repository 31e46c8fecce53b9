"""Read paths for the API and the pages, always scoped to one organization."""

from ponte.accounts.models import Organization
from ponte.conversations.models import Conversation, Message


def conversations_for(org: Organization, limit: int) -> list[Conversation]:
    return list(
        Conversation.objects.for_org(org)
        .select_related("contact", "last_message")
        .order_by("-last_message_at", "-id")[:limit]
    )


def conversation_or_none(org: Organization, conversation_id: int) -> Conversation | None:
    return Conversation.objects.for_org(org).filter(pk=conversation_id).first()


def messages_page(chat: Conversation, *, before: int | None, limit: int) -> list[Message]:
    """Newest first, keyset by (engine_timestamp, id); fetches one extra to tell if more exist."""
    messages = Message.objects.for_org(chat.org_id).filter(conversation=chat)
    if before is not None:
        anchor = messages.filter(pk=before).values_list("engine_timestamp", flat=True).first()
        if anchor is None:
            return []
        messages = messages.filter(engine_timestamp__lte=anchor).exclude(
            engine_timestamp=anchor, id__gte=before)
    return list(messages.order_by("-engine_timestamp", "-id")[: limit + 1])


def message_or_none(org: Organization, message_id: int) -> Message | None:
    return Message.objects.for_org(org).filter(pk=message_id).first()
