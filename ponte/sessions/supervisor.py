"""Keeps every instance's WhatsApp session alive, and recovers it when it drops.

Every period (30 s by default), or at once when a webhook reports a drop, each
instance's state is read from its engine. A dropped session is restarted by
itself, at most three times, each attempt with the next secret of the instance
(primary, then alternates) to regenerate the engine token; after the third
failure the instance needs a manual "Reset total da instância".
"""

import asyncio
import contextlib
import logging

from django.conf import settings
from django.db import transaction

from ponte.accounts.models import Instance, SessionState
from ponte.background import BackgroundLoop
from ponte.diagnostics.services import prune
from ponte.engines.base import EngineClient, EngineError, SessionStatus
from ponte.engines.calls import EngineCall, EngineCaller, is_configured
from ponte.engines.events import SessionUpdate
from ponte.sessions.services import (
    DROPPED,
    do_count_reconnect_attempt,
    do_forget_session,
    do_record_error,
    do_remember_working_secret,
    do_transition,
    webhook_url,
)

log = logging.getLogger(__name__)
QR_POLLS = 10


class Supervisor:
    def __init__(self) -> None:
        self.caller = EngineCaller()

    def close(self) -> None:
        self.caller.close()

    def run_pass(self) -> None:
        supervise_all(self)

    def call(self, instance: Instance, make_call: EngineCall, *, secret: str | None = None):
        """Run one engine call for the instance, recording it and keeping its token."""
        return self.caller.call(instance, make_call, secret=secret)

    def supervise(self, instance: Instance) -> None:
        """Check one instance and react: record the state, reconnect a dropped session."""
        if instance.state == SessionState.NEEDS_RESET:
            return  # a person must reset it; retrying would only burn the secrets again
        try:
            status = self.call(instance, lambda c: c.session_status())
        except EngineError as exc:
            do_record_error(instance, exc.detail, kind=exc.kind)
            if exc.auth:
                self.reconnect(instance, f"status check refused: {exc.detail}")
            else:
                # The detail already says what failed ("engine unreachable: ConnectError").
                do_transition(instance, SessionState.DISCONNECTED,
                              f"status check failed: {exc.detail}")
            return
        do_transition(instance, status.state, f"status check: {status.detail or status.state}",
                      qr=status.qr)
        if status.state in DROPPED:
            self.reconnect(instance, f"session down ({status.detail or status.state})")

    def reconnect(self, instance: Instance, cause: str) -> bool:
        secrets = instance.secrets or [""]
        while instance.reconnect_attempts < settings.PONTE_RECONNECT_ATTEMPTS:
            attempt = do_count_reconnect_attempt(instance)
            index = (attempt - 1) % len(secrets)
            label = "primary secret" if index == 0 else f"alternate secret #{index}"
            try:
                status = self.call(instance, lambda c, s=secrets[index]: self._restart(c, s,
                                   webhook_url(instance)), secret=secrets[index])
            except EngineError as exc:
                do_record_error(instance, f"reconnect attempt {attempt} ({label}): {exc.detail}",
                                kind=exc.kind)
                continue
            do_remember_working_secret(instance, index)
            do_transition(instance, status.state,
                          f"{cause}; reconnected on attempt {attempt} with the {label}",
                          qr=status.qr)
            return True
        do_transition(instance, SessionState.NEEDS_RESET,
                      f"{cause}; {settings.PONTE_RECONNECT_ATTEMPTS} reconnect attempts failed")
        return False

    @staticmethod
    async def _restart(client: EngineClient, secret: str, url: str) -> SessionStatus:
        await client.authenticate(secret)
        return await client.start_session(url)

    def reset(self, instance: Instance) -> None:
        """Reset total: log out, forget token and state, start again, surface a fresh QR."""
        secret = instance.active_secret

        async def from_scratch(client: EngineClient) -> SessionStatus:
            await client.authenticate(secret)
            # Already logged out or closed: nothing to undo. Closing too makes the
            # engine start a new browser session, hence a new QR code.
            with contextlib.suppress(EngineError):
                await client.logout()
            with contextlib.suppress(EngineError):
                await client.close_session()
            status = await client.start_session(webhook_url(instance))
            for _ in range(QR_POLLS):
                if status.qr or status.state == SessionState.CONNECTED:
                    break
                await asyncio.sleep(0.5)
                status = await client.qr_code()
            return status

        do_forget_session(instance)
        do_transition(instance, SessionState.STARTING, "reset total requested")
        try:
            status = self.call(instance, from_scratch, secret=secret)
        except EngineError as exc:
            do_record_error(instance, f"reset: {exc.detail}", kind=exc.kind)
            do_transition(instance, SessionState.NEEDS_RESET, f"reset failed: {exc.detail}")
            raise
        do_transition(instance, status.state, "reset total: session started again",
                      qr=status.qr)


def supervise_all(supervisor: Supervisor) -> None:
    for instance in Instance.objects.all():
        try:
            if is_configured(instance):
                supervisor.supervise(instance)
            prune(instance, keep=settings.PONTE_DIAGNOSTICS_KEEP,
                  max_age_days=settings.PONTE_DIAGNOSTICS_MAX_AGE_DAYS)
        except Exception:
            log.exception("supervising instance %s failed", instance.pk)


supervision = BackgroundLoop("ponte-supervisor", Supervisor,
                             period=lambda: settings.PONTE_SUPERVISOR_PERIOD_SECONDS)


def do_apply_session_update(instance: Instance, event: SessionUpdate) -> None:
    """What the engine's webhook says of the session; a drop has the supervisor look at once."""
    do_transition(instance, event.state, f"engine webhook: {event.reason or event.state}",
                  qr=event.qr)
    if event.state in DROPPED:
        transaction.on_commit(supervision.wake)
