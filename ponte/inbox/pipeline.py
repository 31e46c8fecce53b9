"""The ingest pipeline: a stored webhook body becomes contacts, chats and messages."""

import json
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ponte.accounts.models import Instance
from ponte.conversations.contacts import do_link_identities
from ponte.conversations.storing import do_apply_status, do_revoke, do_store_inbound_many
from ponte.db import forget_deleted_pages, keep_purges_out, serialized_writes
from ponte.desk.inbound import do_after_inbound
from ponte.engines import (
    IdentityLink,
    Ignored,
    InboundMessage,
    Revoked,
    SessionUpdate,
    StatusUpdate,
    UnknownPayload,
    adapter_for,
    parse,
)
from ponte.engines.events import Event, dump_events, load_events
from ponte.engines.reading import UnreadableJson, read_json
from ponte.inbox.models import InboxEvent
from ponte.leads.services import do_track_inbound
from ponte.personal_data import Person
from ponte.privacy.filters import do_count_dropped, drop_reason
from ponte.privacy.hidden import HiddenSet, hidden_sets
from ponte.privacy.services import do_learn_hidden_handles
from ponte.sessions.supervisor import do_apply_session_update
from ponte.text import clip_error

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@dataclass
class Sorted:
    """A body's events: those the CRM may see, counts of the others by reason, and
    @lids learnt beside a hidden phone (they join its hide)."""

    kept: list[Event] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)
    learnt: dict[str, int] = field(default_factory=dict)


def relevant_events(events: list[Event], hidden: HiddenSet, body: str = "") -> Sorted:
    """Split off what the CRM must not see: hidden numbers first, then the relevance filter."""
    result = Sorted(learnt=hidden.learnt_lids(events) if hidden else {})
    for event in events:
        if isinstance(event, Ignored):
            continue
        reason = "hidden" if hidden and hidden.covers(event, body) else drop_reason(event)
        if reason:
            result.dropped[reason] += 1
        else:
            result.kept.append(event)
    return result


def events_of(inbox_event: InboxEvent) -> list[Event]:
    if inbox_event.canonical:
        return load_events(inbox_event.body)
    return parse(inbox_event.instance.engine, read_json(inbox_event.body))


def apply_event(instance: Instance, event: Event) -> None:
    """Apply one event that is not a message (messages are stored in runs by `ingest`)."""
    if isinstance(event, StatusUpdate):
        do_apply_status(instance, event.engine_message_id, event.status, event.error)
    elif isinstance(event, Revoked):
        do_revoke(instance, event.engine_message_id)
    elif isinstance(event, IdentityLink):
        do_link_identities(instance.org_id, event.lid, event.phone)
    elif isinstance(event, SessionUpdate):
        do_apply_session_update(instance, event)


def ingest(inbox_events: list[InboxEvent]) -> None:
    """Apply stored webhooks in order; runs of messages are stored in bulk.

    Each body is checked against the hidden numbers as they are now: a hide that
    came after the webhook was answered still keeps its events out, and marks the
    body to be deleted rather than kept.
    """
    run: list[InboundMessage] = []
    run_instance: Instance | None = None
    dropped: dict[object, Counter] = {}
    hidden = hidden_sets({e.org_id for e in inbox_events})

    def flush() -> None:
        if run:
            stored = do_store_inbound_many(run_instance, run)
            do_track_inbound(run_instance.org_id, stored)
            do_after_inbound(run_instance.org_id, stored)
            run.clear()

    for inbox_event in inbox_events:
        instance = inbox_event.instance
        events = events_of(inbox_event)
        inbox_event.carried_files = any(_carries_file(event) for event in events)
        found = relevant_events(events, hidden[inbox_event.org_id], inbox_event.body)
        dropped.setdefault(inbox_event.org_id, Counter()).update(found.dropped)
        do_learn_hidden_handles(inbox_event.org_id, found.learnt)
        inbox_event.hidden = bool(found.dropped["hidden"])
        for event in found.kept:
            if isinstance(event, InboundMessage):
                if run_instance is not None and run_instance.pk != instance.pk:
                    flush()
                run_instance = instance
                run.append(event)
            else:
                flush()
                apply_event(instance, event)
    flush()
    for org_id, reasons in dropped.items():
        if reasons:
            do_count_dropped(org_id, reasons)


def drain(batch_size: int = 100) -> int:
    """Process pending inbox events oldest first, in one transaction; returns how many.

    The whole batch is tried at once; if anything in it fails, each event is
    retried alone so one bad body cannot hold the others back. Open tabs hear of
    what was stored when the batch commits.
    """
    with serialized_writes(), transaction.atomic():
        keep_purges_out()
        pending = InboxEvent.objects.filter(state=InboxEvent.State.PENDING).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True, of=("self",))
        batch = list(pending[:batch_size])
        if not batch:
            return 0
        instances = Instance.objects.in_bulk({e.instance_id for e in batch})
        for inbox_event in batch:
            inbox_event.instance = instances[inbox_event.instance_id]
        now = timezone.now()
        try:
            with transaction.atomic():
                ingest(batch)
        except Exception:
            _ingest_one_by_one(batch)
        else:
            for inbox_event in batch:
                inbox_event.state = InboxEvent.State.DONE
        for inbox_event in batch:
            inbox_event.processed_at = now
        # A body that carried a hidden number is not kept for the retention window,
        # and with a retention of 0 no processed body is.
        keep = settings.PONTE_INBOX_RETENTION_HOURS > 0
        done = [e for e in batch if e.state == InboxEvent.State.DONE]
        hiding = {e.pk for e in done if getattr(e, "hidden", False)}
        kept = {e.pk for e in done if keep and e.pk not in hiding}
        InboxEvent.objects.filter(pk__in=[e.pk for e in done if e.pk not in kept]).delete()
        if hiding:
            transaction.on_commit(lambda: forget_deleted_pages([InboxEvent._meta.db_table]))
        InboxEvent.objects.filter(pk__in=kept).update(state=InboxEvent.State.DONE,
                                                      processed_at=now)
        _scrub_files([e for e in done if e.pk in kept and getattr(e, "carried_files", False)])
        troubled = [e for e in batch if e.state != InboxEvent.State.DONE]
        InboxEvent.objects.bulk_update(troubled, ["state", "error", "attempts", "processed_at"])
    return len(batch)


def _carries_file(event: Event) -> bool:
    return isinstance(event, InboundMessage) and event.media is not None \
        and bool(event.media.inline_base64)


def _scrub_files(kept: list[InboxEvent]) -> None:
    """A body kept for the retention window loses the files it carried as base64: they
    are in the download queue now, and from there only in the media storage."""
    for inbox_event in kept:
        if inbox_event.canonical:
            body = dump_events([_without_file(event) for event in load_events(inbox_event.body)])
        else:
            payload = read_json(inbox_event.body)
            if not adapter_for(inbox_event.instance.engine).scrub_media(payload):
                continue
            body = json.dumps(payload)
        InboxEvent.objects.filter(pk=inbox_event.pk).update(body=body)


def _without_file(event: Event) -> Event:
    if not _carries_file(event):
        return event
    return event.model_copy(update={"media": event.media.model_copy(
        update={"inline_base64": None})})


def _ingest_one_by_one(batch: list[InboxEvent]) -> None:
    for inbox_event in batch:
        try:
            with transaction.atomic():
                ingest([inbox_event])
        except (UnknownPayload, UnreadableJson) as exc:
            inbox_event.state, inbox_event.error = InboxEvent.State.FAILED, clip_error(str(exc))
        except Exception as exc:  # a bug or a busy database: retried, then parked
            log.exception("inbox event %s failed", inbox_event.pk)
            inbox_event.attempts += 1
            inbox_event.error = clip_error(f"{type(exc).__name__}: {exc}")
            if inbox_event.attempts >= MAX_ATTEMPTS:
                inbox_event.state = InboxEvent.State.FAILED
        else:
            inbox_event.state = InboxEvent.State.DONE


def settle_pending(person: Person) -> None:
    """Before a person is erased, process the pending webhooks that mention them.

    A body may carry other people's messages too (the Cloud API batches them): those
    are stored now, and the body can then go. When the number is being hidden, the
    person's own events are dropped here, as they would be on arrival.
    """
    pending = list(InboxEvent.objects.filter(org_id=person.org_id,
                                             state=InboxEvent.State.PENDING)
                   .filter(person.mentioned_in("body")).select_related("instance").order_by("id"))
    if not pending:
        return
    _ingest_one_by_one(pending)
    for inbox_event in pending:
        inbox_event.processed_at = timezone.now()
    InboxEvent.objects.bulk_update(pending, ["state", "error", "attempts", "processed_at"])


def purge_processed_bodies(older_than) -> int:
    """Raw payloads hold message content: keep them only for the retention window.

    Processed and failed bodies alike (a failed one was never processed: its age is
    counted from its arrival); pending ones wait for the drainer.
    """
    with serialized_writes(), transaction.atomic():
        return InboxEvent.objects.exclude(state=InboxEvent.State.PENDING).filter(
            Q(processed_at__lt=older_than)
            | Q(processed_at__isnull=True, received_at__lt=older_than)).delete()[0]
