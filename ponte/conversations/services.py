"""Storing what engines report: contacts by canonical identity, messages once each."""

from django.db import IntegrityError, transaction
from django.db.models import F, Q

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


def _attach_handle(contact: Contact, identity: Identity) -> None:
    handle = _handle_for(identity)
    if handle is None:
        return
    kind, value = handle
    owner = (ContactHandle.objects.for_org(contact.org_id)
             .filter(kind=kind, value=value).select_related("contact").first())
    if owner is None:
        ContactHandle.objects.create(org_id=contact.org_id, contact=contact, kind=kind,
                                     value=value)
    elif owner.contact_id != contact.id and owner.contact.e164 is None:
        do_merge_contacts(source=owner.contact, target=contact)


def resolve_contact(org: Organization | int, identity: Identity,
                    alternate: Identity | None = None, push_name: str | None = None) -> Contact:
    """The one contact for a person, creating it and recording every id seen for it."""
    org_id = getattr(org, "pk", org)
    phone = identity if identity.kind == "user" else alternate
    if phone is not None and phone.kind != "user":
        phone = None
    if phone is not None:
        contact, _ = Contact.objects.get_or_create(org_id=org_id, e164=phone.e164)
        for seen in (identity, alternate):
            if seen is not None:
                _attach_handle(contact, seen)
    else:
        handle = _handle_for(identity)
        if handle is None:
            raise ValueError(f"no person behind identity of kind {identity.kind!r}")
        owner = (ContactHandle.objects.for_org(org_id)
                 .filter(kind=handle[0], value=handle[1]).select_related("contact").first())
        if owner is not None:
            contact = owner.contact
        else:
            contact = Contact.objects.create(org_id=org_id)
            ContactHandle.objects.create(org_id=org_id, contact=contact, kind=handle[0],
                                         value=handle[1])
    if push_name and contact.push_name != push_name:
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


def _bump_conversation(chat: Conversation, message: Message) -> None:
    newer = Q(last_message_at__isnull=True) | Q(last_message_at__lte=message.engine_timestamp)
    chats = Conversation.objects.filter(pk=chat.pk)
    chats.filter(newer).update(last_message=message, last_message_at=message.engine_timestamp)
    if message.direction == Message.Direction.INBOUND:
        chats.update(unread_count=F("unread_count") + 1)
    else:
        # The company answered, from Ponte or from the phone: the chat has been seen.
        chats.update(unread_count=0)


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
