"""The one registry of personal data: every model that holds something about a person.

Each app registers, beside its models, how to find a person's rows and in what
order they go; `ponte.privacy` walks the registry to export or erase a person,
and a test walks every installed model so a new one cannot be forgotten. A model
that looks personal but is not (a counter, the company's own number) says why.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet


@dataclass(frozen=True)
class Person:
    """Everything that identifies one person in one organization."""

    org_id: object
    e164: str | None
    contact_ids: frozenset[int] = frozenset()
    # Every digit string WhatsApp may write for them: the phone with and without the
    # ninth digit, and each @lid; raw bodies and engine ids are searched for these.
    handles: frozenset[str] = frozenset()

    def mentioned_in(self, *fields: str) -> Q:
        """Rows whose text fields contain any of the person's handles."""
        condition = Q(pk__in=[])
        for handle in self.handles:
            for name in fields:
                condition |= Q(**{f"{name}__contains": handle})
        return condition


@dataclass(frozen=True)
class Holder:
    model: type[Model]
    # The name the counts of an erasure use ("messages"), never content.
    kind: str
    rows: Callable[[Person], QuerySet]
    # Lower goes first: children before the rows they point at, so each is counted.
    order: int = 50
    # Rows as plain data for an export; None: the rows are erased but not exported
    # (raw webhook bodies, engine-call logs: copies of what the export already has).
    export: Callable[[QuerySet], list[dict]] | None = None
    # Names in the media storage (folder or bucket) of the files that go with the rows,
    # deleted from it once the erasure commits.
    files: Callable[[QuerySet], Iterable[str]] | None = None
    # Work still queued about the person, brought up to date before the rows go
    # (webhooks not yet processed that also carry other people's messages).
    settle: Callable[[Person], None] | None = None
    # The shop's own records (the ERP's customers and sales): an LGPD erasure deletes
    # them, hiding a number in the CRM does not (it removes only the WhatsApp side).
    kept_when_hidden: bool = False


@dataclass
class _Registry:
    holders: dict[type[Model], Holder] = field(default_factory=dict)
    exempt: dict[type[Model], str] = field(default_factory=dict)


_registry = _Registry()


def holds_personal_data(model: type[Model], kind: str, rows: Callable[[Person], QuerySet],
                        **options) -> None:
    _registry.holders[model] = Holder(model, kind, rows, **options)


def not_personal(model: type[Model], why: str) -> None:
    """A model with a person-like field that holds nothing about a customer."""
    _registry.exempt[model] = why


def holders() -> list[Holder]:
    return sorted(_registry.holders.values(), key=lambda h: (h.order, h.kind))


def exemptions() -> dict[type[Model], str]:
    return dict(_registry.exempt)


_send_guards: list[Callable[[object, str], bool]] = []


def refuse_sending_when(guard: Callable[[object, str], bool]) -> None:
    """A rule that forbids sending to a phone (a hidden number); called with (org id, e164)."""
    if guard not in _send_guards:
        _send_guards.append(guard)


def sending_refused(org_id, e164: str | None) -> bool:
    return e164 is not None and any(guard(org_id, e164) for guard in _send_guards)
