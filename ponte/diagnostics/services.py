"""Writing diagnostic entries with secrets redacted."""

import re

from ponte.diagnostics.models import DiagnosticEntry

_WEBHOOK_TOKEN = re.compile(r"^(/webhooks/[0-9a-fA-F-]+/)[^/?]+")


def redact_path(path: str) -> str:
    """Drop the webhook token and any query string (Meta's verify token travels there)."""
    path = _WEBHOOK_TOKEN.sub(r"\1***", path)
    return path.split("?", 1)[0][:300]


def record_webhook(instance, *, status_code: int, outcome: str, path: str,
                   latency_ms: float | None = None, error: str = "") -> DiagnosticEntry:
    return DiagnosticEntry.objects.create(
        org_id=instance.org_id if instance else None, instance=instance,
        direction=DiagnosticEntry.Direction.INBOUND, method="POST", path=redact_path(path),
        status_code=status_code, latency_ms=latency_ms, outcome=outcome, error=error[:300],
    )
