"""What a customer's message changes at the desk: a chat resolved, snoozed or waiting for
the customer (pending) is open again, for an attendant to answer."""

from collections.abc import Iterable

from django.utils import timezone

from ponte import realtime
from ponte.conversations.models import Conversation, Message
from ponte.desk.away import do_send_away_replies
from ponte.desk.models import ConversationEvent
from ponte.desk.roundrobin import do_round_robin

WAKING = (Conversation.Status.RESOLVED, Conversation.Status.SNOOZED, Conversation.Status.PENDING)


def do_after_inbound(org_id, messages: Iterable[Message]) -> None:
    """Called by the drainer with each run of newly stored messages, in its transaction."""
    messages = list(messages)
    chats = {m.conversation_id for m in messages if m.direction == Message.Direction.INBOUND}
    if chats:
        _reopen(org_id, chats)
        do_round_robin(org_id, messages)
    do_send_away_replies(org_id, messages)


def _reopen(org_id, chat_ids: set[int]) -> None:
    waking = list(Conversation.objects.filter(org_id=org_id, pk__in=chat_ids, status__in=WAKING)
                  .values_list("pk", "status"))
    if not waking:
        return
    now = timezone.now()
    Conversation.objects.filter(pk__in=[pk for pk, _ in waking]).update(
        status=Conversation.Status.OPEN, snoozed_until=None, status_changed_at=now)
    ConversationEvent.objects.bulk_create([
        ConversationEvent(org_id=org_id, conversation_id=pk, kind=ConversationEvent.Kind.STATUS,
                          data={"from": status, "to": Conversation.Status.OPEN,
                                "reason": "customer_wrote"}, created_at=now)
        for pk, status in waking])
    for pk, _ in waking:
        realtime.publish_on_commit(org_id, "conversation.status",
                                   {"conversation_id": pk, "status": Conversation.Status.OPEN})
