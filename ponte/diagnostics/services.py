"""Writing diagnostic entries with secrets redacted."""

import re
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ponte.accounts.models import Instance, Organization
from ponte.db import serialized_writes
from ponte.diagnostics.metrics import ENGINE_CALL_SECONDS, ENGINE_CALLS
from ponte.diagnostics.models import DiagnosticEntry
from ponte.text import clip_error

_WEBHOOK_TOKEN = re.compile(r"^(/webhooks/[0-9a-fA-F-]+/)[^/?]+")


def redact_path(path: str) -> str:
    """Drop the webhook token and any query string (Meta's verify token travels there)."""
    path = _WEBHOOK_TOKEN.sub(r"\1***", path)
    return clip_error(path.split("?", 1)[0])


def record_engine_calls(instance, records) -> None:
    """Store what an engine client recorded; paths arrive already redacted by the client.

    Every call counts in the metrics; in the log, a call whose outcome repeats the
    previous one of the same operation folds into it (a healthy status check every
    period is one entry with a count, not a page of identical rows).
    """
    for r in records:
        ENGINE_CALLS.labels(instance.engine, r.outcome).inc()
        ENGINE_CALL_SECONDS.labels(instance.engine).observe(r.latency_ms / 1000)
    if not records:
        return
    with serialized_writes(), transaction.atomic():
        for r in records:
            at = r.started_at or timezone.now()
            fold_or_add(DiagnosticEntry(
                org_id=instance.org_id, instance=instance,
                direction=DiagnosticEntry.Direction.OUTBOUND, method=r.method,
                path=redact_path(r.path), status_code=r.status_code,
                latency_ms=round(r.latency_ms, 2), outcome=r.outcome,
                error=clip_error(r.error), created_at=at, last_at=at))


def fold_or_add(entry: DiagnosticEntry) -> DiagnosticEntry:
    """Save `entry`, folded into the previous entry of the same operation if it repeats it.

    The folded entry is written anew, so ids keep following the latest occurrence:
    the log's newest-first order, its paging and its retention all stay by id.
    Call inside a transaction.
    """
    previous = (DiagnosticEntry.objects
                .filter(org_id=entry.org_id, instance_id=entry.instance_id,
                        direction=entry.direction,
                        method=entry.method, path=entry.path)
                .order_by("-id").first())
    if previous is not None and _same_outcome(previous, entry) \
            and DiagnosticEntry.objects.filter(pk=previous.pk).delete()[0]:
        # Deleted by us, not by a concurrent writer that folded it first.
        entry.count = previous.count + 1
        entry.created_at = previous.created_at
    entry.save(force_insert=True)
    return entry


def _same_outcome(a: DiagnosticEntry, b: DiagnosticEntry) -> bool:
    return (a.outcome, a.status_code, a.error) == (b.outcome, b.status_code, b.error)


def prune(instance, *, keep: int, max_age_days: int) -> int:
    """Retention: at most `keep` entries per instance, none older than `max_age_days`."""
    return _prune(DiagnosticEntry.objects.filter(instance=instance), keep, max_age_days)


def prune_unattached(org_id, *, keep: int, max_age_days: int) -> int:
    """The same retention for an organization's entries of no instance (its AI calls)."""
    return _prune(DiagnosticEntry.objects.filter(org_id=org_id, instance=None), keep,
                  max_age_days)


def _prune(entries, keep: int, max_age_days: int) -> int:
    cutoff_at = timezone.now() - timedelta(days=max_age_days)
    # A folded entry lives as long as its latest occurrence is recent.
    removed = entries.filter(Q(last_at__lt=cutoff_at)
                             | Q(last_at__isnull=True, created_at__lt=cutoff_at)).delete()[0]
    # Ids grow with time, so the newest `keep` are the highest ids.
    cutoff = entries.order_by("-id").values_list("id", flat=True)[keep:keep + 1]
    if cutoff:
        removed += entries.filter(id__lte=cutoff[0]).delete()[0]
    return removed


def do_record_server_error(request, exc: BaseException | None) -> None:
    """A diagnostic entry for a request that ended in a 500, in its organization's log."""
    org_id, instance = _whose(request)
    with serialized_writes():
        DiagnosticEntry.objects.create(
            org_id=org_id, instance=instance, direction=DiagnosticEntry.Direction.INBOUND,
            method=(request.method or "")[:8], path=redact_path(request.path), status_code=500,
            outcome="server_error", error=clip_error(f"{type(exc).__name__}: {exc}"))
    if not connection.in_atomic_block:
        # Django answers a 500 from a worker thread of its own: leave no connection there.
        connection.close()


def _whose(request) -> tuple[object, Instance | None]:
    """The organization and instance a failed request acted for, as far as it got."""
    match = getattr(request, "resolver_match", None)
    kwargs = match.kwargs if match else {}
    if "instance_id" in kwargs and "token" in kwargs:  # a webhook: only with its token
        instance = Instance.objects.filter(pk=kwargs["instance_id"]).first()
        if instance is not None and instance.accepts_token(kwargs["token"]):
            return instance.org_id, instance
        return None, None
    org = getattr(request, "auth", None)  # the API's key
    member = getattr(request, "member", None)  # a signed-in person's organization
    org_id = org.pk if isinstance(org, Organization) else getattr(member, "org_id", None)
    if org_id is None:
        return None, None
    return org_id, Instance.objects.filter(org_id=org_id).order_by("created_at").first()
