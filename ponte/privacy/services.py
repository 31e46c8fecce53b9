"""Hiding a number, forgetting a person, and the audit trail of both.

Check, then do: `check_*` reads what a person typed and raises `PrivacyRefused` with
words for them; `do_*` changes the database in one transaction, and the open tabs
hear of it once it commits.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from ponte.db import serialized_writes
from ponte.errors import Refused
from ponte.identity import canonicalize
from ponte.privacy.hidden import forget_cached, phone_handles
from ponte.privacy.models import HiddenHandle, HiddenNumber, PrivacyRecord
from ponte.privacy.people import erase_person, export_person, person_for


class PrivacyRefused(Refused):
    status = 422


@dataclass(frozen=True)
class Actor:
    """Who asked: a member (their user) or an API key (its name only)."""

    user: object | None
    name: str

    @classmethod
    def member(cls, user) -> "Actor":
        return cls(user, user.email or user.get_username())


def check_phone(raw: str) -> str:
    """The e164 of a phone typed in any form, or a refusal that says what was wrong."""
    identity = canonicalize(raw or "")
    if identity.kind != "user" or identity.e164 is None:
        shown = (raw or "").strip()[:40]
        raise PrivacyRefused("invalid_phone", _(
            "Não entendemos “%(raw)s” como um número de telefone. Digite com DDD, por exemplo "
            "(31) 98765-4321 ou +55 31 98765-4321.") % {"raw": shown})
    return identity.e164


def is_hidden(org_id, e164: str) -> bool:
    return HiddenNumber.objects.filter(org_id=org_id, e164=e164).exists()


def do_hide_number(org_id, e164: str, actor: Actor, note: str = "") -> tuple[HiddenNumber, bool]:
    """Hide a number and purge everything about it, in one transaction.

    Hiding twice purges again (something may have slipped in) and returns the
    first hide; the boolean says whether this call created it.
    """
    with serialized_writes(), transaction.atomic():
        hidden, created = HiddenNumber.objects.get_or_create(
            org_id=org_id, e164=e164,
            defaults={"note": note[:200], "created_by": actor.user, "created_by_name": actor.name})
        person = person_for(org_id, e164)
        _keep_handles(hidden, set(phone_handles(e164)) | person.handles)
        counts = erase_person(person, hiding=True)
        if created or counts:
            _record(org_id, PrivacyRecord.Action.HIDE, e164, actor, counts)
        transaction.on_commit(lambda: forget_cached(org_id))
    return hidden, created


def do_unhide_number(hidden: HiddenNumber, actor: Actor) -> None:
    """Stop dropping the number; what was purged does not come back."""
    with serialized_writes(), transaction.atomic():
        org_id, e164 = hidden.org_id, hidden.e164
        hidden.delete()
        _record(org_id, PrivacyRecord.Action.UNHIDE, e164, actor, {})
        transaction.on_commit(lambda: forget_cached(org_id))


def do_learn_hidden_handles(org_id, learnt: dict[str, int]) -> None:
    """@lids seen beside a hidden phone: kept with the hide, so they drop too from now on."""
    if not learnt:
        return
    HiddenHandle.objects.bulk_create(
        [HiddenHandle(org_id=org_id, hidden_id=hidden_id, value=value)
         for value, hidden_id in learnt.items()], ignore_conflicts=True)
    transaction.on_commit(lambda: forget_cached(org_id))


def do_export_person(org_id, e164: str, actor: Actor) -> dict:
    """LGPD art. 18 (access): one document with everything Ponte holds about a person."""
    with transaction.atomic():
        person = person_for(org_id, e164)
        data = export_person(person)
        _record(org_id, PrivacyRecord.Action.EXPORT, e164, actor,
                {kind: len(rows) for kind, rows in data.items() if rows})
    return {"phone": e164, "hidden": is_hidden(org_id, e164), **data}


def do_erase_person(org_id, e164: str, actor: Actor) -> dict[str, int]:
    """LGPD art. 18 (deletion): erase a person without hiding the number."""
    with serialized_writes(), transaction.atomic():
        counts = erase_person(person_for(org_id, e164))
        _record(org_id, PrivacyRecord.Action.ERASE, e164, actor, counts)
    return counts


def do_record_sweep(org_id, counts: dict[str, int]) -> None:
    _record(org_id, PrivacyRecord.Action.SWEEP, "", Actor(None, ""), counts)


def _keep_handles(hidden: HiddenNumber, values: set[str]) -> None:
    HiddenHandle.objects.bulk_create(
        [HiddenHandle(org_id=hidden.org_id, hidden=hidden, value=v) for v in values],
        ignore_conflicts=True)


def _record(org_id, action: str, e164: str, actor: Actor, counts: dict) -> PrivacyRecord:
    return PrivacyRecord.objects.create(org_id=org_id, action=action, e164=e164,
                                        actor=actor.user, actor_name=actor.name[:200],
                                        counts=counts)

