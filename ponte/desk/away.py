"""The away message: a customer who writes while the shop is closed hears so, once.

Once per conversation per absence (the closed period, named by when it began): the first
customer message of the absence gets the organization's text through the ordinary outbound
queue, so it is sent, retried and shown like any other; later messages of the same night get
nothing more. Only messages written during the absence count, so a backlog of older messages
delivered late (an engine catching up) never answers for the shop.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from ponte import realtime
from ponte.accounts.models import Organization
from ponte.conversations.models import Message
from ponte.conversations.outbound import SendRejected, check_send_message, do_queue_message
from ponte.desk.hours import Hours, absence_key
from ponte.desk.models import AwayReply, ConversationEvent, DeskSettings


def away_hours(desk: DeskSettings) -> Hours:
    return Hours.of(desk.business_hours or {}, desk.holidays or [], desk.time_zone)


def do_send_away_replies(org_id, messages: Iterable[Message],
                         now: datetime | None = None) -> list[AwayReply]:
    """Queue the away text to each chat whose customer wrote in this absence for the first
    time; called by the drainer, in its transaction. `now` is the clock (tests pass one)."""
    inbound = [m for m in messages if m.direction == Message.Direction.INBOUND]
    if not inbound:
        return []
    desk = DeskSettings.for_org(org_id)
    if not desk.away_enabled or not desk.away_text.strip():
        return []
    now = now or timezone.now()
    start = away_hours(desk).absence_start(now)
    if start is None:
        return []
    chats = sorted({m.conversation_id for m in inbound if m.engine_timestamp >= start})
    already = set(AwayReply.objects.filter(conversation_id__in=chats, absence=absence_key(start))
                  .values_list("conversation_id", flat=True))
    org = Organization.objects.get(pk=org_id)
    return [reply for chat_id in chats if chat_id not in already
            if (reply := _reply(org, chat_id, desk.away_text.strip(), absence_key(start), now))]


def _reply(org: Organization, chat_id: int, text: str, absence: str,
           now: datetime) -> AwayReply | None:
    try:
        chat = check_send_message(org, text=text, conversation_id=chat_id)
    except SendRejected:  # a number hidden meanwhile, a text the queue refuses: stay silent
        return None
    try:
        with transaction.atomic():
            reply = AwayReply.objects.create(org=org, conversation=chat, absence=absence,
                                             created_at=now)
    except IntegrityError:  # another drainer answered this chat in this absence first
        return None
    reply.message = do_queue_message(chat, text)
    reply.save(update_fields=["message"])
    event = ConversationEvent.objects.create(
        org=org, conversation=chat, kind=ConversationEvent.Kind.AWAY_REPLY,
        data={"message_id": reply.message.pk, "absence": absence}, created_at=now)
    realtime.publish_on_commit(org.pk, "conversation.event",
                               {"conversation_id": chat.pk, "event_id": event.pk})
    return reply
