"""Changes to an instance's session, each recorded and told to the open tabs on commit."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ponte import realtime
from ponte.accounts.models import Instance, SessionState
from ponte.accounts.signals import session_connected
from ponte.diagnostics.models import DiagnosticEntry
from ponte.diagnostics.services import redact_path
from ponte.sessions.models import SessionTransition
from ponte.text import clip_error

DROPPED = {SessionState.DISCONNECTED, SessionState.NOTLOGGED}
# The cause a session past its start deadline is failed with; the page reads it to explain.
START_DEADLINE_CAUSE = "start deadline passed: the engine cannot open WhatsApp Web"


def _publish_state(instance: Instance, state: str | None = None) -> None:
    realtime.publish_on_commit(instance.org_id, "instance.state", {
        "instance_id": str(instance.pk), "state": state or instance.state})


def _update(instance: Instance, **changes) -> None:
    """Write fields of the session that a page shows, and tell the tabs once committed."""
    with transaction.atomic():
        Instance.objects.filter(pk=instance.pk).update(**changes)
        for field, value in changes.items():
            setattr(instance, field, value)
        _publish_state(instance)


def do_transition(instance: Instance, state: str, cause: str, *, qr: str | None = None) -> bool:
    """Move an instance to a state, recording why; tabs hear of it once committed."""
    with transaction.atomic():
        current = Instance.objects.select_for_update().get(pk=instance.pk)
        changes: dict = {}
        if qr is not None and qr != current.qr:
            changes["qr"] = qr
        if state == SessionState.CONNECTED:
            changes.update(last_success_at=timezone.now(), reconnect_attempts=0, qr="",
                           **_resolution(current))
        elif state == SessionState.QRCODE and current.reconnect_attempts:
            changes["reconnect_attempts"] = 0  # the engine works again: it waits for a scan
        moved = current.state != state
        if moved:
            changes["state"] = state
            SessionTransition.objects.create(org_id=current.org_id, instance=current,
                                             from_state=current.state, to_state=state,
                                             cause=clip_error(cause))
        if changes:
            Instance.objects.filter(pk=instance.pk).update(**changes)
            _publish_state(current, state)
        if moved and state == SessionState.CONNECTED:
            transaction.on_commit(lambda: session_connected.send(Instance, instance=current))
    for field, value in changes.items():
        setattr(instance, field, value)
    return moved


def do_record_error(instance: Instance, error: str, *, kind: str = "") -> None:
    """The session's latest failure: `error` for operators, `kind` (an `EngineError.kind`)
    for the sentence a person reads; it stays current until the session is healthy again."""
    _update(instance, last_error=clip_error(error), last_error_kind=kind,
            last_error_at=timezone.now(), last_error_resolved_at=None)


def _resolution(instance: Instance) -> dict:
    """Mark the last error as resolved, now, unless there is none or it already is."""
    if instance.last_error_at is None or instance.last_error_resolved_at is not None:
        return {}
    return {"last_error_resolved_at": timezone.now()}


def do_count_reconnect_attempt(instance: Instance) -> int:
    """One more automatic reconnect spent; returns its number (1 to the allowed attempts)."""
    _update(instance, reconnect_attempts=instance.reconnect_attempts + 1)
    return instance.reconnect_attempts


def do_reset_reconnect_attempts(instance: Instance) -> None:
    """A person asked to reconnect: the automatic attempts start over."""
    _update(instance, reconnect_attempts=0)


def do_remember_working_secret(instance: Instance, index: int, *, healthy: bool = True) -> None:
    """A reconnect worked with this secret: later calls use it, and a refused secret is
    no longer the error; once the session is healthy again, the attempts start over."""
    changes: dict = {"active_secret_index": index}
    if healthy:
        changes.update(reconnect_attempts=0, **_resolution(instance))
    elif instance.last_error_kind == "auth":
        changes.update(_resolution(instance))  # a secret worked: that error is over
    _update(instance, **changes)


def do_record_foreign_webhook(instance: Instance, session: str, what: str) -> None:
    """A webhook about another session reached this instance's URL: kept in the log, ignored."""
    DiagnosticEntry.objects.create(
        org_id=instance.org_id, instance=instance, direction=DiagnosticEntry.Direction.INBOUND,
        method="POST", path=redact_path(instance.webhook_path), outcome="wrong_session",
        error=clip_error(f"webhook for session {session!r}, not {instance.session_name!r} "
                         f"({what}): ignored"))


def do_forget_session(instance: Instance) -> None:
    """Reset total: no token, no QR code, no attempts spent; the engine starts from nothing."""
    instance.set_token("")
    _update(instance, token_encrypted="", qr="", reconnect_attempts=0)


def webhook_url(instance: Instance) -> str:
    return settings.PONTE_PUBLIC_URL.rstrip("/") + instance.webhook_path


def last_cause(instance: Instance) -> str:
    """Why the session last changed state, as recorded with the transition."""
    return (SessionTransition.objects.filter(instance=instance).order_by("-at")
            .values_list("cause", flat=True).first()) or ""
