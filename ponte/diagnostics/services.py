"""Writing diagnostic entries with secrets redacted."""

import re

from ponte.diagnostics.metrics import ENGINE_CALL_SECONDS, ENGINE_CALLS
from ponte.diagnostics.models import DiagnosticEntry
from ponte.text import clip_error

_WEBHOOK_TOKEN = re.compile(r"^(/webhooks/[0-9a-fA-F-]+/)[^/?]+")


def redact_path(path: str) -> str:
    """Drop the webhook token and any query string (Meta's verify token travels there)."""
    path = _WEBHOOK_TOKEN.sub(r"\1***", path)
    return clip_error(path.split("?", 1)[0])


def record_engine_calls(instance, records) -> None:
    """Store what an engine client recorded; paths arrive already redacted by the client."""
    for r in records:
        ENGINE_CALLS.labels(instance.engine, r.outcome).inc()
        ENGINE_CALL_SECONDS.labels(instance.engine).observe(r.latency_ms / 1000)
    DiagnosticEntry.objects.bulk_create([
        DiagnosticEntry(org_id=instance.org_id, instance=instance,
                        direction=DiagnosticEntry.Direction.OUTBOUND, method=r.method,
                        path=redact_path(r.path), status_code=r.status_code,
                        latency_ms=round(r.latency_ms, 2), outcome=r.outcome,
                        error=clip_error(r.error))
        for r in records
    ])


def prune(instance, *, keep: int, max_age_days: int) -> int:
    """Retention: at most `keep` entries per instance, none older than `max_age_days`."""
    from datetime import timedelta

    from django.utils import timezone

    entries = DiagnosticEntry.objects.filter(instance=instance)
    removed = entries.filter(created_at__lt=timezone.now() - timedelta(days=max_age_days)
                             ).delete()[0]
    # Ids grow with time, so the newest `keep` are the highest ids.
    cutoff = entries.order_by("-id").values_list("id", flat=True)[keep:keep + 1]
    if cutoff:
        removed += entries.filter(id__lte=cutoff[0]).delete()[0]
    return removed
