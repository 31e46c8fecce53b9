"""Keeps every instance's WhatsApp session alive, and recovers it when it drops.

Every period (30 s by default), or at once when a webhook reports a drop, each
instance's state is read from its engine. A dropped session is restarted by
itself, at most three times, each attempt with the next secret of the instance
(primary, then alternates) to regenerate the engine token; after the third
failure the instance needs a manual "Reset total da instância".

Two things are not believed as the engine says them. A session that stays
starting past `PONTE_SESSION_START_DEADLINE_SECONDS` has failed (the engine
cannot open WhatsApp Web) and spends an attempt. A session the engine reported
closed (a browserClose webhook) whose status still reads INITIALIZING has no
browser behind it: it is restarted, not moved back to starting.

A reset holds the instance's session lock; a pass skips an instance while it
is held, so it never generates a token or restarts a session mid-reset.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ponte.accounts.models import Instance, SessionState
from ponte.background import BackgroundLoop
from ponte.diagnostics.services import prune
from ponte.engines.base import EngineClient, EngineError, SessionStatus
from ponte.engines.calls import EngineCall, EngineCaller, is_configured
from ponte.engines.events import SessionUpdate
from ponte.sessions.models import SessionReset, SessionTransition
from ponte.sessions.resets import (
    do_begin_reset,
    do_finish_reset,
    do_set_reset_step,
    release_lock,
    take_lock,
    wait_for_lock,
)
from ponte.sessions.services import (
    DROPPED,
    START_DEADLINE_CAUSE,
    do_count_reconnect_attempt,
    do_forget_session,
    do_record_error,
    do_record_foreign_webhook,
    do_remember_working_secret,
    do_transition,
    last_cause,
    webhook_url,
)

log = logging.getLogger(__name__)
QR_POLL_SECONDS = 1.0
SUPERVISOR_LOCK_SECONDS = 120
RESET_LOCK_SECONDS = 600
RESET_LOCK_WAIT_SECONDS = 60
HEALTHY = {SessionState.CONNECTED, SessionState.QRCODE}
WEBHOOK_CAUSE = "engine webhook:"


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
        key = take_lock(instance, SUPERVISOR_LOCK_SECONDS)
        if key is None:
            return  # a reset is running: the next pass looks again
        try:
            instance.refresh_from_db()
            self._check(instance)
        finally:
            release_lock(instance, key)

    def _check(self, instance: Instance) -> None:
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
        word = status.detail or status.state
        if status.state == SessionState.STARTING and _closed_by_engine(instance):
            # The engine told us the session closed (browserClose): a status that still
            # reads INITIALIZING has no browser behind it, and nothing restarts it.
            self.reconnect(instance, f"engine reported the session {instance.state}, "
                                     f"yet its status reads {word}")
            return
        if status.state == SessionState.STARTING and _past_start_deadline(instance):
            deadline = settings.PONTE_SESSION_START_DEADLINE_SECONDS
            do_record_error(instance, f"session still starting after {deadline:.0f} s: "
                                      "the engine cannot open WhatsApp Web")
            do_transition(instance, SessionState.DISCONNECTED, START_DEADLINE_CAUSE)
            self.reconnect(instance, START_DEADLINE_CAUSE)
            return
        do_transition(instance, status.state, f"status check: {word}", qr=status.qr)
        if status.state in DROPPED:
            self.reconnect(instance, f"session down ({word})")

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
            # Only a session that came back (or shows a QR code) gives the attempts
            # back; one that is starting again may well get stuck again.
            do_remember_working_secret(instance, index, healthy=status.state in HEALTHY)
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
        return await client.restart_session(url)

    def reset(self, instance: Instance, job: SessionReset | None = None) -> SessionStatus:
        """Reset total: forget token and state, have the engine start from nothing, and
        wait (a while) for a QR code or a connection; `job` follows the steps."""
        if job is None:
            job = do_begin_reset(instance)
        key = wait_for_lock(instance, RESET_LOCK_SECONDS, RESET_LOCK_WAIT_SECONDS)
        if key is None:
            detail = "reset: the session stayed busy with another check"
            do_finish_reset(job, SessionReset.Outcome.FAILED, detail)
            raise EngineError(detail, transient=True)
        try:
            instance.refresh_from_db()
            status = self._reset(instance, job)
        except EngineError as exc:
            do_record_error(instance, f"reset: {exc.detail}", kind=exc.kind)
            do_transition(instance, SessionState.NEEDS_RESET, f"reset failed: {exc.detail}")
            do_finish_reset(job, SessionReset.Outcome.FAILED, exc.detail)
            raise
        finally:
            release_lock(instance, key)
        outcome = (SessionReset.Outcome.CONNECTED if status.state == SessionState.CONNECTED
                   else SessionReset.Outcome.QRCODE if status.qr
                   else SessionReset.Outcome.STILL_STARTING)
        do_finish_reset(job, outcome)
        return status

    def _reset(self, instance: Instance, job: SessionReset) -> SessionStatus:
        secret, url = instance.active_secret, webhook_url(instance)
        do_forget_session(instance)
        do_transition(instance, SessionState.STARTING, "reset total requested")
        steps = None

        async def next_step(client: EngineClient) -> str | SessionStatus | None:
            nonlocal steps
            if steps is None:
                await client.authenticate(secret)
                steps = client.reset_session(url)
            try:
                return await anext(steps)
            except StopAsyncIteration:
                return None

        status = SessionStatus(state=SessionState.STARTING)
        # One engine call per step, so that each step reaches the page as it begins.
        while (item := self.call(instance, next_step)) is not None:
            if isinstance(item, str):
                do_set_reset_step(job, item)
            else:
                status = item
        do_set_reset_step(job, SessionReset.Step.QR)
        give_up = time.monotonic() + settings.PONTE_RESET_QR_WAIT_SECONDS
        # start-session answers the state from before the start: ask for the QR code.
        while not (status.qr or status.state == SessionState.CONNECTED):
            status = self.call(instance, lambda c: c.qr_code())
            if status.qr or status.state == SessionState.CONNECTED:
                break
            if time.monotonic() >= give_up:
                break
            time.sleep(QR_POLL_SECONDS)
        do_transition(instance, status.state, "reset total: session started again",
                      qr=status.qr)
        return status


def run_once(instance: Instance, step: str = "supervise", *args):
    """One supervisor step (`supervise`, `reconnect`, `reset`) now, outside the loop."""
    supervisor = Supervisor()
    try:
        return getattr(supervisor, step)(instance, *args)
    finally:
        supervisor.close()


def _closed_by_engine(instance: Instance) -> bool:
    """Dropped because the engine's webhook said so (not because we could not reach it:
    an engine that rebooted and is starting its sessions again is believed)."""
    if instance.state not in DROPPED:
        return False
    return last_cause(instance).startswith(WEBHOOK_CAUSE)


def _past_start_deadline(instance: Instance) -> bool:
    """Starting for longer than allowed, counted from the last move into starting."""
    if instance.state != SessionState.STARTING:
        return False
    since = (SessionTransition.objects.filter(instance=instance, to_state=SessionState.STARTING)
             .order_by("-at").values_list("at", flat=True).first())
    deadline = timedelta(seconds=settings.PONTE_SESSION_START_DEADLINE_SECONDS)
    return since is not None and timezone.now() - since > deadline


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
    """What the engine's webhook says of the session; a drop has the supervisor look at once.

    A webhook naming another session (an engine shared by two Ponte instances, or a
    webhook URL pasted into the wrong session) says nothing about this one.
    """
    if event.session is not None and event.session != instance.session_name:
        do_record_foreign_webhook(instance, event.session, event.reason or event.state)
        return
    do_transition(instance, event.state, f"{WEBHOOK_CAUSE} {event.reason or event.state}",
                  qr=event.qr)
    if event.state in DROPPED:
        transaction.on_commit(supervision.wake)
