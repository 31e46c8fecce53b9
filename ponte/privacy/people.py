"""One person's data across every registered model: found, exported, erased."""

from collections import Counter

from django.apps import apps
from django.db import transaction

from ponte import realtime
from ponte.conversations.models import Contact, ContactHandle, Conversation
from ponte.db import forget_deleted_pages, purge_alone
from ponte.media.storage import delete_stored
from ponte.personal_data import Person, holders
from ponte.privacy.hidden import phone_handles
from ponte.privacy.models import HiddenHandle


def person_for(org_id, e164: str) -> Person:
    """The person behind a phone: its contacts, however they were first known, and every
    form WhatsApp writes them in (both ninth-digit forms, each @lid seen or hidden)."""
    handles = set(phone_handles(e164))
    handles |= set(HiddenHandle.objects.filter(org_id=org_id, hidden__e164=e164)
                   .values_list("value", flat=True))
    contact_ids = set(Contact.objects.filter(org_id=org_id, e164=e164)
                      .values_list("pk", flat=True))
    contact_ids |= set(ContactHandle.objects.filter(org_id=org_id, value__in=handles)
                       .values_list("contact_id", flat=True))
    handles |= set(ContactHandle.objects.filter(org_id=org_id, contact__in=contact_ids)
                   .values_list("value", flat=True))
    return Person(org_id=org_id, e164=e164, contact_ids=frozenset(contact_ids),
                  handles=frozenset(handles))


def export_person(person: Person) -> dict[str, list[dict]]:
    """Everything exportable Ponte holds about the person, by kind."""
    return {holder.kind: holder.export(holder.rows(person))
            for holder in holders() if holder.export is not None}


def erase_person(person: Person, *, hiding: bool = False) -> dict[str, int]:
    """Delete every registered row about the person; counts by kind. Runs in the caller's
    transaction; once it commits, files go, the deleted bytes leave the database's files
    and open tabs drop the chats.

    `hiding`: a hide removes the WhatsApp side only; the shop's own records (the ERP's
    customers and sales, `kept_when_hidden`) stay. An LGPD erasure takes them too.
    """
    purge_alone()
    erased = [holder for holder in holders() if not (hiding and holder.kept_when_hidden)]
    for holder in erased:
        if holder.settle is not None:
            holder.settle(person)
    chats = list(Conversation.objects.filter(org_id=person.org_id, contact__in=person.contact_ids)
                 .values_list("pk", flat=True))
    counts: Counter = Counter()
    touched: set[str] = set()
    files: list[str] = []
    for holder in erased:
        rows = holder.rows(person)
        if holder.files is not None:
            files += holder.files(rows)
        _, by_model = rows.delete()
        counts[holder.kind] += by_model.get(holder.model._meta.label, 0)
        touched |= {label for label, n in by_model.items() if n}
    if files:
        transaction.on_commit(lambda: delete_stored(files))
    if counts:
        tables = {apps.get_model(label)._meta.db_table for label in touched}
        transaction.on_commit(lambda: forget_deleted_pages(tables))
    for chat_id in chats:
        realtime.publish_on_commit(person.org_id, "conversation.hidden",
                                   {"conversation_id": chat_id})
    return {kind: n for kind, n in counts.items() if n}


def held_counts(person: Person) -> dict[str, int]:
    """How many rows of each kind an erasure would delete now: for the confirmation step."""
    counts: Counter = Counter()
    for holder in holders():
        counts[holder.kind] += holder.rows(person).count()
    return {kind: n for kind, n in counts.items() if n}

