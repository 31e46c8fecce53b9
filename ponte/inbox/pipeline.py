"""The ingest pipeline: a stored webhook body becomes contacts, chats and messages."""

import logging
from collections import Counter

from django.db import connection, transaction
from django.utils import timezone

from ponte.accounts.models import Instance
from ponte.conversations.contacts import do_link_identities
from ponte.conversations.storing import do_apply_status, do_revoke, do_store_inbound_many
from ponte.db import serialized_writes
from ponte.engines import (
    IdentityLink,
    Ignored,
    InboundMessage,
    Revoked,
    SessionUpdate,
    StatusUpdate,
    UnknownPayload,
    parse,
)
from ponte.engines.events import Event
from ponte.engines.reading import UnreadableJson, read_json
from ponte.inbox.models import InboxEvent
from ponte.privacy.filters import do_count_dropped, drop_reason
from ponte.sessions.supervisor import do_apply_session_update
from ponte.text import clip_error

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def relevant_events(instance: Instance, payload: dict) -> tuple[list[Event], Counter]:
    """Parse a body and split off what the CRM must not see, counting it by reason."""
    kept: list[Event] = []
    dropped: Counter = Counter()
    for event in parse(instance.engine, payload):
        if isinstance(event, Ignored):
            continue
        reason = drop_reason(event)
        if reason:
            dropped[reason] += 1
        else:
            kept.append(event)
    return kept, dropped


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
    """Apply stored webhooks in order; runs of messages are stored in bulk."""
    run: list[InboundMessage] = []
    run_instance: Instance | None = None
    dropped: dict[object, Counter] = {}

    def flush() -> None:
        if run:
            do_store_inbound_many(run_instance, run)
            run.clear()

    for inbox_event in inbox_events:
        instance = inbox_event.instance
        events, skipped = relevant_events(instance, read_json(inbox_event.body))
        dropped.setdefault(inbox_event.org_id, Counter()).update(skipped)
        for event in events:
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
        done = [e.pk for e in batch if e.state == InboxEvent.State.DONE]
        InboxEvent.objects.filter(pk__in=done).update(state=InboxEvent.State.DONE,
                                                      processed_at=now)
        troubled = [e for e in batch if e.state != InboxEvent.State.DONE]
        InboxEvent.objects.bulk_update(troubled, ["state", "error", "attempts", "processed_at"])
    return len(batch)


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


def purge_processed_bodies(older_than) -> int:
    """Raw payloads hold message content: keep them only for the retention window."""
    return InboxEvent.objects.filter(
        state=InboxEvent.State.DONE, processed_at__lt=older_than,
    ).delete()[0]
