"""Storing what engines report: contacts by canonical identity, messages once each."""

from django.db import connection, transaction

from ponte.accounts.models import Instance, Organization
from ponte.conversations import realtime
from ponte.conversations.models import (
    STATUS_RANK,
    Contact,
    ContactHandle,
    Conversation,
    EarlyUpdate,
    Message,
    MessageStatus,
)
from ponte.engines.events import InboundMessage
from ponte.identity import Identity


def _handle_for(identity: Identity) -> tuple[str, str] | None:
    if identity.kind in ("user", "lid") and identity.wa_user:
        return identity.kind, identity.wa_user
    return None


def _owners(org_id, handles) -> dict[tuple[str, str], Contact]:
    """The contacts already holding these handles (filtered by value: one cheap IN)."""
    handles = set(handles)
    rows = (ContactHandle.objects.for_org(org_id)
            .filter(value__in={value for _, value in handles}).select_related("contact"))
    return {(h.kind, h.value): h.contact for h in rows if (h.kind, h.value) in handles}


def resolve_contact(org: Organization | int, identity: Identity,
                    alternate: Identity | None = None, push_name: str | None = None) -> Contact:
    """The one contact for a person, creating it and recording every id seen for it.

    The common case, a phone already seen, costs one query: its handle.
    """
    org_id = getattr(org, "pk", org)
    seen = {h: i for i in (identity, alternate) if i is not None and (h := _handle_for(i))}
    if not seen:
        raise ValueError(f"no person behind identity of kind {identity.kind!r}")
    phone = next((i for i in (identity, alternate) if i is not None and i.kind == "user"), None)
    owners = _owners(org_id, seen)
    if phone is not None:
        contact = owners.get(_handle_for(phone))
        if contact is None or contact.e164 != phone.e164:
            contact, _ = Contact.objects.get_or_create(org_id=org_id, e164=phone.e164)
    else:
        contact = owners.get(next(iter(seen))) or Contact.objects.create(org_id=org_id)
    for handle in seen:
        owner = owners.get(handle)
        if owner is None:
            ContactHandle.objects.create(org_id=org_id, contact=contact, kind=handle[0],
                                         value=handle[1])
        elif owner.pk != contact.pk and owner.e164 is None:
            do_merge_contacts(source=owner, target=contact)
    if push_name and contact.push_name != push_name[:200]:
        contact.push_name = push_name[:200]
        contact.save(update_fields=["push_name"])
    return contact


@transaction.atomic
def do_merge_contacts(*, source: Contact, target: Contact) -> None:
    """Fold a contact known only by @lid into the phone contact the engine revealed."""
    ContactHandle.objects.filter(contact=source).update(contact=target)
    for chat in Conversation.objects.filter(contact=source):
        existing = Conversation.objects.filter(instance_id=chat.instance_id,
                                               contact=target).first()
        if existing is None:
            chat.contact = target
            chat.save(update_fields=["contact"])
            continue
        Message.objects.filter(conversation=chat).update(conversation=existing)
        existing.unread_count += chat.unread_count
        existing.save(update_fields=["unread_count"])
        chat.delete()
        _refresh_last_message(existing)
    if not target.push_name and source.push_name:
        target.push_name = source.push_name
        target.save(update_fields=["push_name"])
    source.delete()


def _refresh_last_message(chat: Conversation) -> None:
    last = chat.messages.order_by("-engine_timestamp", "-id").first()
    chat.last_message = last
    chat.last_message_at = last.engine_timestamp if last else None
    chat.save(update_fields=["last_message", "last_message_at"])


def do_link_identities(org_id, lid: Identity, phone: Identity) -> Contact:
    return resolve_contact(org_id, phone, alternate=lid)


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
    contacts = _contacts_for(instance.org_id, fresh)
    chats = _conversations_for(instance, {c.pk: c for c in contacts.values()})
    echoed = _claim_echoes(instance, [(e, chats[contacts[e.engine_message_id].pk]) for e in fresh
                                      if e.from_me])
    fresh = [e for e in fresh if e.engine_message_id not in echoed]
    if not fresh:
        return []
    rows = [
        Message(
            org_id=instance.org_id, instance=instance,
            conversation=chats[contacts[event.engine_message_id].pk],
            engine_message_id=event.engine_message_id,
            direction=Message.Direction.OUTBOUND if event.from_me else Message.Direction.INBOUND,
            kind=event.kind, text=event.text, caption=event.caption,
            media=event.media.model_dump(exclude_none=True) if event.media else None,
            quoted_engine_message_id=event.quoted_engine_message_id,
            sender_name=(event.push_name or "")[:200], engine_timestamp=event.timestamp,
        )
        for event in fresh
    ]
    # Two workers racing on one message hit the unique constraint: IntegrityError,
    # the caller retries event by event, and the copy is then found existing.
    Message.objects.bulk_create(rows)
    _apply_early_updates(instance.pk, rows)
    _bump_conversations(rows)
    return rows


def _claim_echoes(instance: Instance, mine: list[tuple[InboundMessage, Conversation]]
                  ) -> set[str]:
    """Our own sends coming back from the engine: attach their ids to the queued rows.

    Engines echo what Ponte sent (WPPConnect's self-message, Evolution's send.message);
    when the echo beats the send's answer, or the answer never came, the echo is how
    the queued message learns its engine id, and no second row is stored.
    """
    if not mine:
        return set()
    waiting = list(Message.objects.filter(
        instance=instance, direction=Message.Direction.OUTBOUND, engine_message_id__isnull=True,
        conversation__in={chat.pk for _, chat in mine},
        text__in={event.text for event, _ in mine},
    ).order_by("id"))
    claimed: set[str] = set()
    for event, chat in mine:
        match = next((m for m in waiting if m.conversation_id == chat.pk and m.text == event.text),
                     None)
        if match is not None:
            waiting.remove(match)
            do_attach_engine_id(match, event.engine_message_id)
            claimed.add(event.engine_message_id)
    return claimed


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
        message.outcome_unknown_at = None
        message.next_attempt_at = None
        message.save(update_fields=["engine_message_id", "status", "error",
                                    "outcome_unknown_at", "next_attempt_at"])
        _apply_early_updates(message.instance_id, [message])
        if duplicate is not None:
            _refresh_last_message(message.conversation)


def _contacts_for(org_id, events: list[InboundMessage]) -> dict[str, Contact]:
    """The contact of each message, keyed by engine message id."""
    wanted = {h for e in events for i in (e.chat, e.alternate) if i and (h := _handle_for(i))}
    owners = _owners(org_id, wanted)
    found: dict[str, Contact] = {}
    renamed: dict[int, Contact] = {}
    for event in events:
        identities = [i for i in (event.chat, event.alternate) if i is not None]
        known = {owners.get(_handle_for(i)) for i in identities}
        contact = known.pop() if len(known) == 1 else None
        phone = next((i for i in identities if i.kind == "user"), None)
        if contact is None or (phone is not None and contact.e164 != phone.e164):
            contact = resolve_contact(org_id, event.chat, event.alternate)
            owners.update({_handle_for(i): contact for i in identities})
        name = None if event.from_me else (event.push_name or "")[:200]
        if name and contact.push_name != name:
            contact.push_name = name
            renamed[contact.pk] = contact
        found[event.engine_message_id] = contact
    if renamed:
        Contact.objects.bulk_update(renamed.values(), ["push_name"])
    return found


def _conversations_for(instance: Instance, contacts: dict[int, Contact]) -> dict[int, Conversation]:
    chats = {c.contact_id: c for c in Conversation.objects.filter(
        instance=instance, contact_id__in=contacts)}
    for contact_id in contacts.keys() - chats.keys():
        chats[contact_id], _ = Conversation.objects.get_or_create(
            instance=instance, contact_id=contact_id, defaults={"org_id": instance.org_id})
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
    ).update(status=status, error=(error or "")[:300])
    if updated:
        _publish_change(instance, engine_message_id)
        return True
    if not Message.objects.filter(instance=instance, engine_message_id=engine_message_id).exists():
        EarlyUpdate.objects.create(instance=instance, engine_message_id=engine_message_id,
                                   status=status, error=(error or "")[:300])
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
        realtime.publish_on_commit(instance.org_id, "message.status", {
            "conversation_id": changed["conversation_id"], "message_id": changed["pk"]})


def do_mark_read(chat: Conversation) -> None:
    """An attendant has seen the chat: its unread count goes to zero in every tab."""
    with transaction.atomic():
        Conversation.objects.filter(pk=chat.pk).update(unread_count=0)
        realtime.publish_on_commit(chat.org_id, "conversation.read", {"conversation_id": chat.pk})
    chat.unread_count = 0


def do_assign(chat: Conversation, user) -> None:
    """Who answers this chat (None: nobody in particular); the inbox's "mine" filter."""
    with transaction.atomic():
        Conversation.objects.filter(pk=chat.pk).update(assignee=user)
        realtime.publish_on_commit(chat.org_id, "conversation.assigned",
                                   {"conversation_id": chat.pk})
    chat.assignee = user
