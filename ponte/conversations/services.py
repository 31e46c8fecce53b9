"""Storing what engines report: contacts by canonical identity, messages once each."""

from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from ponte.accounts.models import Instance, Organization
from ponte.conversations.models import (
    STATUS_RANK,
    Contact,
    ContactHandle,
    Conversation,
    EarlyUpdate,
    Message,
)
from ponte.engines.events import InboundMessage
from ponte.identity import Identity


def _handle_for(identity: Identity) -> tuple[str, str] | None:
    if identity.kind in ("user", "lid") and identity.wa_user:
        return identity.kind, identity.wa_user
    return None


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
    handle_filter = Q()
    for kind, value in seen:
        handle_filter |= Q(kind=kind, value=value)
    owners = {(h.kind, h.value): h.contact for h in ContactHandle.objects.for_org(org_id)
              .filter(handle_filter).select_related("contact")}
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
    contact = resolve_contact(instance.org_id, event.chat, event.alternate,
                              None if event.from_me else event.push_name)
    chat, _ = Conversation.objects.get_or_create(
        instance=instance, contact=contact, defaults={"org_id": instance.org_id})
    message = Message(
        org_id=instance.org_id, instance=instance, conversation=chat,
        engine_message_id=event.engine_message_id,
        direction=Message.Direction.OUTBOUND if event.from_me else Message.Direction.INBOUND,
        kind=event.kind, text=event.text, caption=event.caption,
        media=event.media.model_dump(exclude_none=True) if event.media else None,
        quoted_engine_message_id=event.quoted_engine_message_id,
        sender_name=(event.push_name or "")[:200], engine_timestamp=event.timestamp,
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        return None
    _apply_early_updates(message)
    _bump_conversation(chat, message)
    return message


_BUMP_SQL = """
    UPDATE conversations_conversation SET
        last_message_id = CASE WHEN last_message_at IS NULL OR last_message_at <= %s
                          THEN %s ELSE last_message_id END,
        last_message_at = CASE WHEN last_message_at IS NULL OR last_message_at <= %s
                          THEN %s ELSE last_message_at END,
        unread_count = CASE WHEN %s THEN unread_count + 1 ELSE 0 END
    WHERE id = %s
"""


def _bump_conversation(chat: Conversation, message: Message) -> None:
    """Newest message wins the preview; an answer from our side clears unread.

    One atomic statement, in SQL because it runs for every message and the ORM's
    Case/When compiles to the same thing at ten times the cost.
    """
    at = connection.ops.adapt_datetimefield_value(message.engine_timestamp)
    inbound = message.direction == Message.Direction.INBOUND
    with connection.cursor() as cursor:
        cursor.execute(_BUMP_SQL, [at, message.pk, at, at, inbound, chat.pk])


def _apply_early_updates(message: Message) -> None:
    early = list(EarlyUpdate.objects.filter(instance_id=message.instance_id,
                                            engine_message_id=message.engine_message_id))
    for update in early:
        if update.revoked:
            message.revoked = True
        if update.status and STATUS_RANK[update.status] > STATUS_RANK[message.status]:
            message.status, message.error = update.status, update.error
    if early:
        message.save(update_fields=["revoked", "status", "error"])
        EarlyUpdate.objects.filter(pk__in=[u.pk for u in early]).delete()


def do_apply_status(instance: Instance, engine_message_id: str, status: str,
                    error: str | None = None) -> bool:
    """Move a message's status forward; an ack for a message not seen yet waits for it."""
    lower = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[status]]
    updated = Message.objects.filter(
        instance=instance, engine_message_id=engine_message_id, status__in=lower,
    ).update(status=status, error=(error or "")[:300])
    if updated:
        return True
    if not Message.objects.filter(instance=instance, engine_message_id=engine_message_id).exists():
        EarlyUpdate.objects.create(instance=instance, engine_message_id=engine_message_id,
                                   status=status, error=(error or "")[:300])
    return False


def do_revoke(instance: Instance, engine_message_id: str) -> bool:
    updated = Message.objects.filter(instance=instance,
                                     engine_message_id=engine_message_id).update(revoked=True)
    if not updated:
        EarlyUpdate.objects.create(instance=instance, engine_message_id=engine_message_id,
                                   revoked=True)
    return bool(updated)
