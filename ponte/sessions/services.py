"""Recording session state changes, and the manual actions on a session."""

import asyncio

from django.db import transaction
from django.utils import timezone

from ponte.accounts.models import Instance, SessionState
from ponte.conversations import realtime
from ponte.diagnostics.services import record_engine_calls
from ponte.engines.registry import client_for
from ponte.sessions.models import SessionTransition

DROPPED = {SessionState.DISCONNECTED, SessionState.NOTLOGGED}


def do_transition(instance: Instance, state: str, cause: str, *, qr: str | None = None) -> bool:
    """Move an instance to a state, recording why; tabs hear of it once committed."""
    with transaction.atomic():
        current = Instance.objects.select_for_update().get(pk=instance.pk)
        changes: dict = {}
        if qr is not None and qr != current.qr:
            changes["qr"] = qr
        if state == SessionState.CONNECTED:
            changes.update(last_success_at=timezone.now(), reconnect_attempts=0, qr="")
        moved = current.state != state
        if moved:
            changes["state"] = state
            SessionTransition.objects.create(org_id=current.org_id, instance=current,
                                             from_state=current.state, to_state=state,
                                             cause=cause[:300])
        if changes:
            Instance.objects.filter(pk=instance.pk).update(**changes)
            realtime.publish_on_commit(current.org_id, "instance.state", {
                "instance_id": str(current.pk), "state": state})
    for field, value in changes.items():
        setattr(instance, field, value)
    return moved


def run_engine_call(instance: Instance, make_call, *, secret: str | None = None, loop=None):
    """One client session with the instance's token, on `loop` (None: a loop of its own).

    Every call is recorded in the diagnostic log, and a token the engine issued on the way
    is kept for the next session.
    """
    records: list = []
    client = client_for(instance, secret=secret, recorder=records.append)
    if instance.token and hasattr(client, "token"):
        client.token = instance.token

    async def session():
        try:
            return await make_call(client)
        finally:
            await client.aclose()

    try:
        return loop.run_until_complete(session()) if loop else asyncio.run(session())
    finally:
        do_keep_token(instance, client)
        if records:
            record_engine_calls(instance, records)


def do_keep_token(instance: Instance, client) -> None:
    """Save the token an engine issued during a call, so the next call starts with it."""
    token = getattr(client, "token", None)
    if token is not None and token != instance.token:
        instance.set_token(token or "")
        Instance.objects.filter(pk=instance.pk).update(token_encrypted=instance.token_encrypted)


def do_record_error(instance: Instance, error: str) -> None:
    now = timezone.now()
    Instance.objects.filter(pk=instance.pk).update(last_error=error[:300], last_error_at=now)
    instance.last_error, instance.last_error_at = error[:300], now


def webhook_url(instance: Instance) -> str:
    from django.conf import settings

    return settings.PONTE_PUBLIC_URL.rstrip("/") + instance.webhook_path
