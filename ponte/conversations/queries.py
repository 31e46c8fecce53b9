"""Read paths for the API and the pages, always scoped to one organization."""

from django.db.models import F, Q

from ponte.accounts.models import Organization
from ponte.conversations.models import Conversation, Message
from ponte.identity import canonicalize


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


SCORE_BANDS = {"hot": (70, 100), "warm": (40, 69), "cold": (0, 39)}


def inbox(org: Organization, *, search: str = "", unread: bool = False, assignee=None,
          band: str = "", limit: int = 100) -> list[Conversation]:
    """The inbox as filtered by an attendant: by name or any phone form, unread, mine, score."""
    chats = Conversation.objects.for_org(org).select_related("contact", "last_message") \
        .annotate(lead_score=F("contact__lead__score"))
    search = search.strip()
    if search:
        by_name = Q(contact__name__icontains=search) | Q(contact__push_name__icontains=search)
        identity = canonicalize(search)
        digits = "".join(ch for ch in search if ch.isdigit())
        if identity.kind == "user":
            by_phone = Q(contact__e164=identity.e164)
        elif len(digits) >= 4:
            by_phone = Q(contact__e164__contains=digits)
        else:
            by_phone = Q(pk__in=[])
        chats = chats.filter(by_name | by_phone)
    if unread:
        chats = chats.filter(unread_count__gt=0)
    if assignee is not None:
        chats = chats.filter(assignee=assignee)
    if band in SCORE_BANDS:
        low, high = SCORE_BANDS[band]
        chats = chats.filter(contact__lead__score__gte=low, contact__lead__score__lte=high)
    # Within one second (engine timestamps have no finer grain), the latest stored row wins.
    return list(chats.order_by(F("last_message_at").desc(nulls_last=True), "-last_message_id",
                               "-id")[:limit])


def messages_after(chat: Conversation, after: int) -> list[Message]:
    """Rows stored after the newest one a tab has (ids only grow), in display order."""
    return list(Message.objects.for_org(chat.org_id).filter(conversation=chat, pk__gt=after)
                .order_by("engine_timestamp", "id")[:500])


def conversation_for_phone(org: Organization, e164: str) -> Conversation | None:
    return (Conversation.objects.for_org(org).filter(contact__e164=e164)
            .select_related("contact").order_by("-last_message_at").first())
