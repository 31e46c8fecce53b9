"""Storing what engines report: each message once, its status, its revoke, our echoes.

Every change here tells the open tabs once it is committed: new messages as
`messages.new`, a changed message as `message.status`.
"""

from django.db import connection, transaction
from django.db.models import Q

from ponte import realtime
from ponte.accounts.models import Instance
from ponte.conversations.contacts import contacts_for
from ponte.conversations.models import (
    STATUS_RANK,
    Contact,
    Conversation,
    EarlyUpdate,
    MediaDownload,
    Message,
    MessageStatus,
)
from ponte.db import insert_rows
from ponte.engines.events import InboundMessage, SharedContact
from ponte.identity import canonicalize
from ponte.text import clip_error, clip_name

# Message kinds that carry a file: fetched and stored when received (`docs/media.md`),
# matched by caption when an engine echoes one Ponte sent.
FILE_KINDS = frozenset({"image", "audio", "voice", "video", "document", "sticker"})


def do_store_inbound(instance: Instance, event: InboundMessage) -> Message | None:
    """Insert the message once; a second delivery of the same engine id returns None."""
    stored = do_store_inbound_many(instance, [event])
    return stored[0] if stored else None


def do_store_inbound_many(instance: Instance, events: list[InboundMessage]) -> list[Message]:
    """Store a run of messages of one instance, each once, with a few queries for all.

    Returns the messages that were new. Contacts already known by their handles are
    found with one query; only new people take the per-message path.
    """
    runs = {event.engine_message_id: event for event in reversed(events)}
    existing = set(Message.objects.filter(instance=instance, engine_message_id__in=runs)
                   .values_list("engine_message_id", flat=True))
    fresh = [event for event in events
             if event.engine_message_id not in existing and runs.get(event.engine_message_id)
             is event]
    if not fresh:
        return []
    contacts = contacts_for(instance.org_id, fresh)
    chats = _conversations_for(instance, {c.pk: c for c in contacts.values()})
    echoed = _claim_echoes(instance, [(e, chats[contacts[e.engine_message_id].pk]) for e in fresh
                                      if e.from_me])
    fresh = [e for e in fresh if e.engine_message_id not in echoed]
    if not fresh:
        return []
    rows = [
        Message(
            org_id=instance.org_id, instance=instance,
            conversation_id=chats[contacts[event.engine_message_id].pk],
            engine_message_id=event.engine_message_id,
            direction=Message.Direction.OUTBOUND if event.from_me else Message.Direction.INBOUND,
            kind=event.kind, text=event.text, caption=event.caption,
            media=media_of(event),
            quoted_engine_message_id=event.quoted_engine_message_id,
            sender_name=clip_name(event.push_name), engine_timestamp=event.timestamp,
        )
        for event in fresh
    ]
    # Two workers racing on one message hit the unique constraint: IntegrityError,
    # the caller retries event by event, and the copy is then found existing.
    insert_rows(rows)
    _queue_downloads(rows, fresh)
    _apply_early_updates(instance.pk, rows)
    _bump_conversations(rows)
    realtime.publish_on_commit(instance.org_id, "messages.new", {"messages": [
        {"conversation_id": row.conversation_id, "message_id": row.pk} for row in rows]})
    return rows


def media_of(event: InboundMessage) -> dict | None:
    """What a message keeps of its media (never the file's bytes), its place or its cards."""
    media = event.media.facts() if event.media else {}
    if event.media and event.kind in FILE_KINDS:
        media["state"] = "pending"
    if event.location:
        media["location"] = event.location.model_dump()
    if event.shared_contacts:
        media["contacts"] = [_card(card) for card in event.shared_contacts]
    return media or None


def _card(card: SharedContact) -> dict:
    """A shared contact's phones in E.164 where they read as a number, else as written."""
    phones = []
    for written in card.phones:
        identity = canonicalize(written)
        phones.append(identity.e164 if identity.kind == "user" and identity.e164 else written)
    return {"name": card.name, "phones": phones}


def _queue_downloads(rows: list[Message], events: list[InboundMessage]) -> None:
    """Each new message with a file gets a download; the bytes a webhook carried go with it.

    The worker that fetches them ("ponte-media") is woken once this commits.
    """
    queued = [MediaDownload(message=row, inline_base64=event.media.inline_base64 or "")
              for row, event in zip(rows, events, strict=True)
              if event.media is not None and event.kind in FILE_KINDS]
    if not queued:
        return
    MediaDownload.objects.bulk_create(queued)
    from ponte.conversations.media_downloads import downloading

    transaction.on_commit(downloading.wake)


def _claim_echoes(instance: Instance, mine: list[tuple[InboundMessage, int]]) -> set[str]:
    """Our own sends coming back from the engine: attach their ids to the queued rows.

    Engines echo what Ponte sent (WPPConnect's self-message, Evolution's send.message);
    when the echo beats the send's answer, or the answer never came, the echo is how
    the queued message learns its engine id, and no second row is stored. A text is
    known by its text; a file by its caption, the same kind first (an engine may file
    an audio or a GIF under another kind than the one Ponte sent it as).
    """
    if not mine:
        return set()
    texts = {event.text for event, _ in mine if event.kind == "text"}
    captions = {event.caption for event, _ in mine if event.kind in FILE_KINDS}
    waiting = list(Message.objects.filter(
        Q(kind="text", text__in=texts) | (~Q(kind="text") & Q(caption__in=captions)),
        instance=instance, direction=Message.Direction.OUTBOUND, engine_message_id__isnull=True,
        conversation__in={chat_id for _, chat_id in mine},
    ).order_by("id"))
    claimed: set[str] = set()
    for event, chat_id in mine:
        match = _echoed(event, [m for m in waiting if m.conversation_id == chat_id])
        if match is not None:
            waiting.remove(match)
            do_attach_engine_id(match, event.engine_message_id)
            claimed.add(event.engine_message_id)
    return claimed


def _echoed(event: InboundMessage, waiting: list[Message]) -> Message | None:
    """The oldest queued message of the chat this echo is the copy of, if any."""
    if event.kind == "text":
        return next((m for m in waiting if m.kind == "text" and m.text == event.text), None)
    if event.kind not in FILE_KINDS:
        return None  # a reaction, a location: nothing Ponte sends
    files = [m for m in waiting if m.kind != "text" and m.caption == event.caption]
    return next((m for m in files if m.kind == event.kind), files[0] if files else None)


def do_attach_engine_id(message: Message, engine_message_id: str) -> None:
    """The engine accepted a queued message: record its id and count it as sent.

    If the echo was stored as a row of its own first, that row is folded into this one.
    """
    with transaction.atomic():
        duplicate = (Message.objects.filter(instance_id=message.instance_id,
                                            engine_message_id=engine_message_id)
                     .exclude(pk=message.pk).first())
        status = MessageStatus.SENT
        if duplicate is not None:
            if STATUS_RANK[duplicate.status] > STATUS_RANK[status]:
                status = duplicate.status
            duplicate.delete()
        if STATUS_RANK[message.status] > STATUS_RANK[status]:
            status = message.status
        message.engine_message_id = engine_message_id
        message.status = status
        message.error = ""
        message.failure = ""
        message.outcome_unknown_at = None
        message.next_attempt_at = None
        message.save(update_fields=["engine_message_id", "status", "error", "failure",
                                    "outcome_unknown_at", "next_attempt_at"])
        _apply_early_updates(message.instance_id, [message])
        if duplicate is not None:
            message.conversation.refresh_last_message()
        publish_message_changed(message.org_id, message.conversation_id, message.pk)


def publish_message_changed(org_id, conversation_id: int, message_id: int) -> None:
    """Tell the open tabs, once committed, that this message looks different now."""
    realtime.publish_on_commit(org_id, "message.status", {
        "conversation_id": conversation_id, "message_id": message_id})


def _conversations_for(instance: Instance, contacts: dict[int, Contact]) -> dict[int, int]:
    """The id of each contact's conversation on the instance, started where there is none."""
    chats = dict(Conversation.objects.filter(instance=instance, contact_id__in=contacts)
                 .values_list("contact_id", "id"))
    for contact_id in contacts.keys() - chats.keys():
        chat, _ = Conversation.objects.get_or_create(
            instance=instance, contact_id=contact_id, defaults={"org_id": instance.org_id})
        chats[contact_id] = chat.pk
    return chats


_BUMP_SQL = """
    UPDATE conversations_conversation SET
        last_message_id = CASE WHEN last_message_at IS NULL OR last_message_at <= %s
                          THEN %s ELSE last_message_id END,
        last_message_at = CASE WHEN last_message_at IS NULL OR last_message_at <= %s
                          THEN %s ELSE last_message_at END,
        unread_count = CASE WHEN %s THEN %s ELSE unread_count + %s END
    WHERE id = %s
"""


def bump_conversation(message: Message) -> None:
    _bump_conversations([message])


def _bump_conversations(messages: list[Message]) -> None:
    """Newest message wins the preview; an answer from our side clears unread.

    One atomic statement per conversation, in SQL because it runs for every ingest
    batch and the ORM's Case/When compiles to the same thing at ten times the cost.
    """
    by_chat: dict[int, list[Message]] = {}
    for message in messages:
        by_chat.setdefault(message.conversation_id, []).append(message)
    with connection.cursor() as cursor:
        for chat_id, run in by_chat.items():
            newest = max(run, key=lambda m: (m.engine_timestamp, m.pk))
            at = connection.ops.adapt_datetimefield_value(newest.engine_timestamp)
            answered = [i for i, m in enumerate(run) if m.direction == Message.Direction.OUTBOUND]
            after = run[answered[-1] + 1:] if answered else run
            unread = sum(m.direction == Message.Direction.INBOUND for m in after)
            cursor.execute(_BUMP_SQL, [at, newest.pk, at, at, bool(answered), unread, unread,
                                       chat_id])


def _apply_early_updates(instance_id, messages: list[Message]) -> None:
    by_id = {m.engine_message_id: m for m in messages}
    early = list(EarlyUpdate.objects.filter(instance_id=instance_id,
                                            engine_message_id__in=by_id))
    changed = {}
    for update in early:
        message = by_id[update.engine_message_id]
        if update.revoked:
            message.revoked = True
        if update.status and STATUS_RANK[update.status] > STATUS_RANK[message.status]:
            message.status, message.error = update.status, update.error
        changed[message.pk] = message
    if early:
        Message.objects.bulk_update(changed.values(), ["revoked", "status", "error"])
        EarlyUpdate.objects.filter(pk__in=[u.pk for u in early]).delete()


def do_apply_status(instance: Instance, engine_message_id: str, status: str,
                    error: str | None = None) -> bool:
    """Move a message's status forward; an ack for a message not seen yet waits for it."""
    lower = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[status]]
    updated = Message.objects.filter(
        instance=instance, engine_message_id=engine_message_id, status__in=lower,
    ).update(status=status, error=clip_error(error))
    if updated:
        _publish_change(instance, engine_message_id)
        return True
    if not Message.objects.filter(instance=instance, engine_message_id=engine_message_id).exists():
        EarlyUpdate.objects.create(instance=instance, engine_message_id=engine_message_id,
                                   status=status, error=clip_error(error))
    return False


def do_revoke(instance: Instance, engine_message_id: str) -> bool:
    updated = Message.objects.filter(instance=instance,
                                     engine_message_id=engine_message_id).update(revoked=True)
    if updated:
        _publish_change(instance, engine_message_id)
    else:
        EarlyUpdate.objects.create(instance=instance, engine_message_id=engine_message_id,
                                   revoked=True)
    return bool(updated)


def _publish_change(instance: Instance, engine_message_id: str) -> None:
    changed = Message.objects.filter(instance=instance, engine_message_id=engine_message_id) \
        .values("pk", "conversation_id").first()
    if changed:
        publish_message_changed(instance.org_id, changed["conversation_id"], changed["pk"])
