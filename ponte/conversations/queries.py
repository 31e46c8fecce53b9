"""Read paths for the API and the pages, always scoped to one organization."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from ponte.accounts.models import Organization
from ponte.conversations.contact_search import name_matching, phone_matching
from ponte.conversations.models import Contact, ContactHandle, Conversation, Message
from ponte.conversations.search import found_messages
from ponte.db import page_after
from ponte.identity import canonicalize

ConversationKey = tuple[datetime | None, int]
MessageKey = tuple[datetime, int]


NOBODY = "none"  # the assignee of a chat nobody has taken


def conversations_page(org: Organization, *, before: ConversationKey | None, limit: int,
                       e164: str | None = None, unread: bool = False,
                       statuses: Iterable[str] = (), assignee: int | str | None = None,
                       label: str | None = None, search: str = "") -> list[Conversation]:
    """Latest activity first (never-active last), keyset by (last_message_at, id); one extra.

    `assignee`: a user id, or NOBODY; `label`: a label's name (case ignored); `search`: the
    inbox's search, a contact's name or phone or the words of one of the chat's messages.
    """
    chats = Conversation.objects.for_org(org).select_related("contact", "last_message__file")
    if e164 is not None:
        chats = chats.filter(contact__e164=e164)
    if unread:
        chats = chats.filter(unread_count__gt=0)
    if statuses:
        chats = chats.filter(status__in=list(statuses))
    if assignee == NOBODY:
        chats = chats.filter(assignee__isnull=True)
    elif assignee is not None:
        chats = chats.filter(assignee_id=assignee)
    if label:
        chats = chats.filter(labels__name__iexact=label)
    search = search.strip()
    if search:
        said = found_messages(org.pk, search).order_by().values("conversation_id")
        chats = chats.filter(contact_matching(search) | Q(pk__in=said))
    return page_after(chats, "last_message_at", before, limit)


def conversation_or_none(org: Organization, conversation_id: int) -> Conversation | None:
    return (Conversation.objects.for_org(org).select_related("contact")
            .filter(pk=conversation_id).first())


def messages_before(chat: Conversation, key: MessageKey | None, limit: int) -> list[Message]:
    """Newest first, keyset by (engine_timestamp, id); fetches one extra to tell if more exist."""
    messages = Message.objects.for_org(chat.org_id).filter(conversation=chat).select_related("file")
    if key is not None:
        at, pk = key
        messages = messages.filter(Q(engine_timestamp__lt=at) | Q(engine_timestamp=at, id__lt=pk))
    return list(messages.order_by("-engine_timestamp", "-id")[: limit + 1])


def message_key(chat: Conversation, message_id: int) -> MessageKey | None:
    """The sort key of one of the chat's messages, for a page that starts below it."""
    row = (Message.objects.for_org(chat.org_id).filter(conversation=chat, pk=message_id)
           .values_list("engine_timestamp", "id").first())
    return (row[0], row[1]) if row else None


THROUGH_MOST = 1000


def messages_through(chat: Conversation, message_id: int) -> tuple[list[Message], bool] | None:
    """The message and every newer one, oldest first, and whether older ones exist; None
    when it is not the chat's, or more than THROUGH_MOST messages came after it."""
    key = message_key(chat, message_id)
    if key is None:
        return None
    at, pk = key
    rows = Message.objects.for_org(chat.org_id).filter(conversation=chat).select_related("file")
    newer = list(rows.filter(Q(engine_timestamp__gt=at) | Q(engine_timestamp=at, id__gte=pk))
                 .order_by("-engine_timestamp", "-id")[:THROUGH_MOST + 1])
    if len(newer) > THROUGH_MOST:
        return None
    older = rows.filter(Q(engine_timestamp__lt=at) | Q(engine_timestamp=at, id__lt=pk)).exists()
    return list(reversed(newer)), older


def messages_page(chat: Conversation, *, before: int | None, limit: int) -> list[Message]:
    """Newest first, below the message `before` (an id) when given; one extra row."""
    if before is None:
        return messages_before(chat, None, limit)
    key = message_key(chat, before)
    return messages_before(chat, key, limit) if key else []


def message_or_none(org: Organization, message_id: int) -> Message | None:
    return Message.objects.for_org(org).select_related("file").filter(pk=message_id).first()


def message_with_file(org_ids: Iterable, message_id: int) -> Message | None:
    """A message of one of these organizations whose file is stored; None otherwise."""
    return (Message.objects.select_related("file")
            .filter(pk=message_id, org_id__in=org_ids, file__isnull=False).first())


SCORE_BANDS = {"hot": (70, 100), "warm": (40, 69), "cold": (0, 39)}

# The inbox's status choices: what an attendant still has to act on is the default.
STATUSES: dict[str, tuple[str, ...] | None] = {
    "active": (Conversation.Status.OPEN, Conversation.Status.PENDING),
    "open": (Conversation.Status.OPEN,), "pending": (Conversation.Status.PENDING,),
    "snoozed": (Conversation.Status.SNOOZED,), "resolved": (Conversation.Status.RESOLVED,),
    "all": None,
}
QUEUES = ("mine", "unassigned", "all")
# (last_message_at, last_message_id or 0, id): the inbox's order, and where a page ends.
InboxKey = tuple[datetime | None, int, int]


def contact_matching(search: str, also_phones: Iterable[str] = ()) -> Q:
    """Chats whose contact has this in a name, or is this phone (any form, or 4+ digits)."""
    by_name = name_matching(search)
    if also_phones:
        by_name |= Q(contact__e164__in=list(also_phones))
    identity = canonicalize(search)
    digits = "".join(ch for ch in search if ch.isdigit())
    if identity.kind == "user":
        by_phone = Q(contact__e164=identity.e164)
    elif len(digits) >= 4:
        by_phone = phone_matching(digits)
    else:
        by_phone = Q(pk__in=[])
    return by_name | by_phone


def inbox_chats(org: Organization, *, search: str = "", unread: bool = False, band: str = "",
                status: str = "active", label: int | None = None, instance=None,
                also_phones: Iterable[str] = ()) -> QuerySet[Conversation]:
    """Every chat the inbox's filters let through, whoever it is assigned to, unordered.

    `also_phones`: numbers the search matched elsewhere (an ERP customer's name).
    `label`: a label's id (the desk's labels, through the `labels` relation).
    """
    chats = Conversation.objects.for_org(org)
    search = search.strip()
    if search:
        chats = chats.filter(contact_matching(search, also_phones))
    if unread:
        chats = chats.filter(unread_count__gt=0)
    if band in SCORE_BANDS:
        low, high = SCORE_BANDS[band]
        chats = chats.filter(contact__lead__score__gte=low, contact__lead__score__lte=high)
    statuses = STATUSES.get(status, STATUSES["active"])
    if statuses is not None:
        chats = chats.filter(status__in=statuses)
    if label is not None:
        chats = chats.filter(labels__pk=label)
    if instance is not None:
        chats = chats.filter(instance=instance)
    return chats


def in_queue(chats: QuerySet[Conversation], queue: str, user) -> QuerySet[Conversation]:
    """Mine (assigned to `user`), unassigned, or all of them."""
    if queue == "mine":
        return chats.filter(assignee=user)
    if queue == "unassigned":
        return chats.filter(assignee__isnull=True)
    return chats


def queue_counts(chats: QuerySet[Conversation], user) -> dict[str, int]:
    """How many of these chats each queue holds, in one query."""
    return chats.aggregate(mine=Count("pk", filter=Q(assignee=user)),
                           unassigned=Count("pk", filter=Q(assignee__isnull=True)),
                           all=Count("pk"))


def inbox_page(chats: QuerySet[Conversation], *, after: InboxKey | None,
               limit: int) -> list[Conversation]:
    """Latest activity first, never-active chats last, `limit + 1` rows after the key;
    within one second (engine timestamps have no finer grain) the latest stored message wins.

    Chats with activity and those without are read apart: PostgreSQL's descending index
    puts NULLs first, so one "NULLS LAST" query would sort every chat of the organization.
    """
    chats = (chats.select_related("contact", "last_message")
             .annotate(lead_score=F("contact__lead__score"),
                       last_id=Coalesce("last_message_id", Value(0))))
    order = ("-last_id", "-id")
    found: list[Conversation] = []
    if after is None or after[0] is not None:
        active = chats.filter(last_message_at__isnull=False)
        if after is not None:
            at, last_id, pk = after
            active = active.filter(Q(last_message_at__lt=at) | Q(
                last_message_at=at, last_id__lt=last_id) | Q(
                last_message_at=at, last_id=last_id, pk__lt=pk))
        found = list(active.order_by("-last_message_at", *order)[: limit + 1])
    if len(found) <= limit:
        idle = chats.filter(last_message_at__isnull=True)
        if after is not None and after[0] is None:
            _, last_id, pk = after
            idle = idle.filter(Q(last_id__lt=last_id) | Q(last_id=last_id, pk__lt=pk))
        found += list(idle.order_by(*order)[: limit + 1 - len(found)])
    return found


def inbox_key(chat: Conversation) -> InboxKey:
    return chat.last_message_at, chat.last_message_id or 0, chat.pk


def messages_after(chat: Conversation, after: int) -> list[Message]:
    """Rows stored after the newest one a tab has (ids only grow), in display order."""
    return list(Message.objects.for_org(chat.org_id).filter(conversation=chat, pk__gt=after)
                .select_related("file").order_by("engine_timestamp", "id")[:500])


def conversation_for_phone(org: Organization, e164: str) -> Conversation | None:
    return (Conversation.objects.for_org(org).filter(contact__e164=e164)
            .select_related("contact").order_by("-last_message_at").first())


def contact_phones(contact: Contact | None) -> list[str]:
    """Every canonical phone the person is known by: the contact's and its phone JIDs'.

    A chat from the legacy 8-digit JID and one from the 9-digit JID are one e164 already;
    a phone handle canonicalizing elsewhere still counts, so the ERP finds it too.
    """
    if contact is None:
        return []
    phones = [contact.e164] if contact.e164 else []
    if contact.pk is None:
        return phones
    for value in (ContactHandle.objects.for_org(contact.org_id).filter(
            contact=contact, kind=ContactHandle.Kind.PHONE).values_list("value", flat=True)):
        identity = canonicalize(f"{value}@c.us")
        if identity.kind == "user" and identity.e164 and identity.e164 not in phones:
            phones.append(identity.e164)
    return phones
