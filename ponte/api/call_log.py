"""A call log's entries as the API shows them, engine and AI provider alike."""

from ponte.diagnostics.models import DiagnosticEntry


def diagnostic_item(e: DiagnosticEntry) -> dict:
    """One entry of a call log (the engine's or the AI provider's), as the API shows it."""
    return {"id": e.pk, "created_at": e.created_at, "direction": e.direction,
            "method": e.method, "path": e.path, "status_code": e.status_code,
            "latency_ms": e.latency_ms, "outcome": e.outcome, "error": e.error,
            "count": e.count, "last_at": e.last_at or e.created_at}
