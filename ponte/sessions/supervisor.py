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
import threading

from django.conf import settings
from django.db import close_old_connections

from ponte.accounts.models import Instance, SessionState
from ponte.diagnostics.services import prune
from ponte.engines.base import EngineClient, EngineError
from ponte.sessions.services import (
    DROPPED,
    do_record_error,
    do_transition,
    run_engine_call,
    webhook_url,
)

log = logging.getLogger(__name__)
_wake = threading.Event()
QR_POLLS = 10


def wake() -> None:
    _wake.set()


class Supervisor:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def close(self) -> None:
        self.loop.close()

    def call(self, instance: Instance, make_call, *, secret: str | None = None):
        """Run one client session with the instance's token, recording every call."""
        return run_engine_call(instance, make_call, secret=secret, loop=self.loop)

    def supervise(self, instance: Instance) -> None:
        """Check one instance and react: record the state, reconnect a dropped session."""
        if instance.state == SessionState.NEEDS_RESET:
            return  # a person must reset it; retrying would only burn the secrets again
        try:
            status = self.call(instance, lambda c: c.session_status())
        except EngineError as exc:
            do_record_error(instance, exc.detail)
            if exc.auth:
                self.reconnect(instance, f"engine refused our credentials: {exc.detail}")
            else:
                do_transition(instance, SessionState.DISCONNECTED,
                              f"engine unreachable: {exc.detail}")
            return
        do_transition(instance, status.state, f"status check: {status.detail or status.state}",
                      qr=status.qr)
        if status.state in DROPPED:
            self.reconnect(instance, f"session down ({status.detail or status.state})")

    def reconnect(self, instance: Instance, cause: str) -> bool:
        secrets = instance.secrets or [""]
        while instance.reconnect_attempts < settings.PONTE_RECONNECT_ATTEMPTS:
            attempt = instance.reconnect_attempts + 1
            Instance.objects.filter(pk=instance.pk).update(reconnect_attempts=attempt)
            instance.reconnect_attempts = attempt
            index = (attempt - 1) % len(secrets)
            label = "primary secret" if index == 0 else f"alternate secret #{index}"
            try:
                status = self.call(instance, lambda c, s=secrets[index]: self._restart(c, s,
                                   webhook_url(instance)), secret=secrets[index])
            except EngineError as exc:
                do_record_error(instance, f"reconnect attempt {attempt} ({label}): {exc.detail}")
                continue
            Instance.objects.filter(pk=instance.pk).update(reconnect_attempts=0,
                                                           active_secret_index=index)
            instance.reconnect_attempts, instance.active_secret_index = 0, index
            do_transition(instance, status.state,
                          f"{cause}; reconnected on attempt {attempt} with the {label}",
                          qr=status.qr)
            return True
        do_transition(instance, SessionState.NEEDS_RESET,
                      f"{cause}; {settings.PONTE_RECONNECT_ATTEMPTS} reconnect attempts failed")
        return False

    @staticmethod
    async def _restart(client: EngineClient, secret: str, url: str):
        await client.authenticate(secret)
        return await client.start_session(url)

    def reset(self, instance: Instance) -> None:
        """Reset total: log out, forget token and state, start again, surface a fresh QR."""
        secret = instance.active_secret

        async def from_scratch(client: EngineClient):
            await client.authenticate(secret)
            # Already logged out or closed: nothing to undo. Closing too makes the
            # engine start a new browser session, hence a new QR code.
            with contextlib.suppress(EngineError):
                await client.logout()
            with contextlib.suppress(EngineError):
                await client.close_session()
            with_webhook = await client.start_session(webhook_url(instance))
            status = with_webhook
            for _ in range(QR_POLLS):
                if status.qr or status.state == SessionState.CONNECTED:
                    break
                await asyncio.sleep(0.5)
                status = await client.qr_code()
            return status

        instance.set_token("")
        Instance.objects.filter(pk=instance.pk).update(token_encrypted="", qr="",
                                                       reconnect_attempts=0)
        instance.reconnect_attempts, instance.qr = 0, ""
        do_transition(instance, SessionState.STARTING, "reset total requested")
        try:
            status = self.call(instance, from_scratch, secret=secret)
        except EngineError as exc:
            do_record_error(instance, f"reset: {exc.detail}")
            do_transition(instance, SessionState.NEEDS_RESET, f"reset failed: {exc.detail}")
            raise
        do_transition(instance, status.state, "reset total: session started again",
                      qr=status.qr)


def supervise_all(supervisor: Supervisor) -> None:
    for instance in Instance.objects.all():
        try:
            if instance.is_configured:
                supervisor.supervise(instance)
            prune(instance, keep=settings.PONTE_DIAGNOSTICS_KEEP,
                  max_age_days=settings.PONTE_DIAGNOSTICS_MAX_AGE_DAYS)
        except Exception:
            log.exception("supervising instance %s failed", instance.pk)


def run_forever(stop: threading.Event) -> None:
    supervisor = Supervisor()
    try:
        while not stop.is_set():
            try:
                supervise_all(supervisor)
            except Exception:
                log.exception("supervisor pass failed")
                close_old_connections()
            _wake.wait(settings.PONTE_SUPERVISOR_PERIOD_SECONDS)
            _wake.clear()
    finally:
        supervisor.close()
        close_old_connections()


def start_in_thread() -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(stop,), name="ponte-supervisor",
                     daemon=True).start()
    return stop
