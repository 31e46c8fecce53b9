"""People: one contact per person per organization, whatever id an engine knew them by."""

from django.db import transaction
from django.utils import timezone

from ponte import realtime
from ponte.accounts.models import Organization
from ponte.conversations.models import Contact, ContactHandle, Conversation, Message
from ponte.engines.events import InboundMessage
from ponte.identity import Identity
from ponte.text import clip_name


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
    if push_name and contact.push_name != clip_name(push_name):
        contact.push_name = clip_name(push_name)
        contact.save(update_fields=["push_name"])
    return contact


@transaction.atomic
def do_merge_contacts(*, source: Contact, target: Contact) -> None:
    """Fold a contact known only by @lid into the phone contact the engine revealed."""
    ContactHandle.objects.filter(contact=source).update(contact=target)
    merged = []
    for chat in Conversation.objects.filter(contact=source):
        existing = Conversation.objects.filter(instance_id=chat.instance_id,
                                               contact=target).first()
        if existing is None:
            chat.contact = target
            chat.save(update_fields=["contact"])
            merged.append(chat.pk)
            continue
        Message.objects.filter(conversation=chat).update(conversation=existing)
        existing.unread_count += chat.unread_count
        existing.save(update_fields=["unread_count"])
        chat.delete()
        existing.refresh_last_message()
        merged.append(existing.pk)
    if not target.push_name and source.push_name:
        target.push_name = source.push_name
        target.save(update_fields=["push_name"])
    source.delete()
    for chat_id in merged:
        realtime.publish_on_commit(target.org_id, "conversation.merged",
                                   {"conversation_id": chat_id})


def do_link_identities(org_id, lid: Identity, phone: Identity) -> Contact:
    return resolve_contact(org_id, phone, alternate=lid)


def contacts_for(org_id, events: list[InboundMessage]) -> dict[str, Contact]:
    """The contact of each message, keyed by engine message id, with names kept current."""
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
        name = None if event.from_me else clip_name(event.push_name)
        if name and contact.push_name != name:
            contact.push_name = name
            renamed[contact.pk] = contact
        found[event.engine_message_id] = contact
    if renamed:
        Contact.objects.bulk_update(renamed.values(), ["push_name"])
    return found


def do_record_wa_id(contact: Contact, wa_id: str) -> None:
    """The WhatsApp id the engine's number check found: the ninth digit, settled."""
    contact.wa_id, contact.wa_checked_at = wa_id, timezone.now()
    contact.save(update_fields=["wa_id", "wa_checked_at"])
