"""Automatic assignment (DeskSettings.round_robin): a new chat goes to the online member who
has waited longest since their last automatic one; among equals, to who has fewest open
chats. Nobody online: the chat stays unassigned, for whoever takes it."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Max
from django.utils import timezone

from ponte.conversations.models import Conversation, Message
from ponte.desk.assignment import do_assign_to
from ponte.desk.models import ConversationEvent, DeskSettings
from ponte.desk.presence import online_members


def new_chats(org_id, messages: Iterable[Message]) -> list[int]:
    """Chats whose first messages are these inbound ones, nobody's yet, oldest first."""
    stored: dict[int, set[int]] = {}
    for m in messages:
        if m.direction == Message.Direction.INBOUND:
            stored.setdefault(m.conversation_id, set()).add(m.pk)
    if not stored:
        return []
    unassigned = set(Conversation.objects.filter(org_id=org_id, pk__in=stored,
                                                 assignee__isnull=True)
                     .values_list("pk", flat=True))
    older = set(Message.objects.filter(conversation_id__in=unassigned)
                .exclude(pk__in=set().union(*stored.values()))
                .values_list("conversation_id", flat=True).distinct())
    return sorted(unassigned - older)


def next_in_turn(org_id, now: datetime | None = None):
    """The online user whose turn it is, or None."""
    members = online_members(org_id, now)
    if not members:
        return None
    ids = [m.user_id for m in members]
    last: dict[int, datetime] = {}
    for event in (ConversationEvent.objects.filter(org_id=org_id,
                                                   kind=ConversationEvent.Kind.ASSIGNED,
                                                   data__auto=True)
                  .values("data__to_id").annotate(at=Max("created_at"))):
        if event["data__to_id"] in ids:
            last[event["data__to_id"]] = event["at"]
    open_chats = dict(Conversation.objects.filter(org_id=org_id, assignee_id__in=ids)
                      .exclude(status=Conversation.Status.RESOLVED)
                      .values("assignee_id").annotate(n=Count("pk"))
                      .values_list("assignee_id", "n"))
    never = datetime.min.replace(tzinfo=timezone.get_current_timezone())
    chosen = min(members, key=lambda m: (last.get(m.user_id, never),
                                         open_chats.get(m.user_id, 0), m.pk))
    return chosen.user


def do_round_robin(org_id, messages: Iterable[Message]) -> int:
    """Assign the new chats among these messages in turn, when the organization wants it."""
    messages = list(messages)
    if not any(m.direction == Message.Direction.INBOUND for m in messages):
        return 0
    if not DeskSettings.for_org(org_id).round_robin:
        return 0
    given = 0
    for pk in new_chats(org_id, messages):
        user = next_in_turn(org_id)
        if user is None:
            break
        chat = Conversation.objects.select_related("contact").get(pk=pk)
        given += do_assign_to(chat, user, None, auto=True)
    return given
