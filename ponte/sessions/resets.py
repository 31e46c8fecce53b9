"""Reset total as a background job, and the lock that keeps the supervisor out meanwhile.

A reset takes seconds to minutes (the engine closes, starts, and only then shows a
QR code), so the page starts it and follows its steps instead of waiting on it.
While it runs it holds the instance's session lock: the supervisor's pass skips
that instance rather than generating a token or restarting the session mid-reset.
"""

import logging
import threading
import time
import uuid
from datetime import timedelta

from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from ponte.accounts.models import Instance
from ponte.engines.base import EngineError
from ponte.sessions.models import SessionLock, SessionReset
from ponte.sessions.services import _publish_state
from ponte.text import clip_error

log = logging.getLogger(__name__)
LOCK_POLL_SECONDS = 0.5
# Longer than a reset can take (its lock lasts 10 minutes): past this it is dead.
STALE_RESET_SECONDS = 900


class ResetRunning(Exception):
    """A reset of this instance is already under way."""


def take_lock(instance: Instance, seconds: float) -> str | None:
    """The instance's session lock for `seconds` (a key to release it), or None when held."""
    now = timezone.now()
    key, until = uuid.uuid4().hex, now + timedelta(seconds=seconds)
    if SessionLock.objects.filter(instance=instance, until__lte=now).update(holder=key,
                                                                          until=until):
        return key  # the last holder died without letting go
    try:
        with transaction.atomic():
            SessionLock.objects.create(instance=instance, holder=key, until=until)
    except IntegrityError:
        return None
    return key


def wait_for_lock(instance: Instance, seconds: float, wait: float) -> str | None:
    """The lock, waiting up to `wait` seconds for its holder (a supervisor pass) to finish."""
    give_up = time.monotonic() + wait
    while (key := take_lock(instance, seconds)) is None and time.monotonic() < give_up:
        time.sleep(LOCK_POLL_SECONDS)
    return key


def release_lock(instance: Instance, key: str) -> None:
    SessionLock.objects.filter(instance=instance, holder=key).delete()


def do_begin_reset(instance: Instance) -> SessionReset:
    """Record a reset as running; the database refuses a second one for the instance."""
    expire_stale_resets(instance)
    try:
        with transaction.atomic():
            reset = SessionReset.objects.create(org_id=instance.org_id, instance=instance)
            _publish_state(instance)
    except IntegrityError:
        raise ResetRunning from None
    return reset


def do_set_reset_step(reset: SessionReset, step: str) -> None:
    with transaction.atomic():
        SessionReset.objects.filter(pk=reset.pk).update(step=step)
        reset.step = step
        _publish_state(reset.instance)


def do_finish_reset(reset: SessionReset, outcome: str, detail: str = "") -> None:
    with transaction.atomic():
        changes = {"step": SessionReset.Step.DONE, "outcome": outcome,
                   "detail": clip_error(detail), "finished_at": timezone.now()}
        SessionReset.objects.filter(pk=reset.pk).update(**changes)
        for field, value in changes.items():
            setattr(reset, field, value)
        _publish_state(reset.instance)


def expire_stale_resets(instance: Instance) -> None:
    """A reset still "running" long after its lock expired died with its process."""
    SessionReset.objects.filter(
        instance=instance, finished_at__isnull=True,
        started_at__lt=timezone.now() - timedelta(seconds=STALE_RESET_SECONDS),
    ).update(finished_at=timezone.now(), step=SessionReset.Step.DONE,
             outcome=SessionReset.Outcome.FAILED, detail="reset: interrupted (Ponte restarted)")


def latest_reset(instance: Instance, within: timedelta = timedelta(minutes=10)
                 ) -> SessionReset | None:
    """The reset the page talks about: one running, or one that ended a moment ago."""
    reset = instance.resets.order_by("-started_at").first()
    if reset is not None and reset.running \
            and reset.started_at < timezone.now() - timedelta(seconds=STALE_RESET_SECONDS):
        expire_stale_resets(instance)  # written only when one is stale, not on every poll
        reset.refresh_from_db()
    if reset is None or (reset.finished_at and reset.finished_at < timezone.now() - within):
        return None
    return reset


def do_start_reset(instance: Instance) -> SessionReset:
    """Begin a reset and run it in a thread of its own once this transaction commits."""
    reset = do_begin_reset(instance)
    transaction.on_commit(lambda: launch(reset.pk))
    return reset


def launch(reset_id: int) -> threading.Thread:
    thread = threading.Thread(target=_run_in_thread, args=(reset_id,), daemon=True,
                              name=f"ponte-reset-{reset_id}")
    thread.start()
    return thread


def _run_in_thread(reset_id: int) -> None:
    try:
        run_reset(reset_id)
    except Exception:
        log.exception("reset %s failed", reset_id)
    finally:
        connections.close_all()


def run_reset(reset_id: int) -> SessionReset:
    """The job itself: what the thread runs (tests call it directly)."""
    from ponte.sessions.supervisor import run_once

    reset = SessionReset.objects.select_related("instance").get(pk=reset_id)
    try:
        run_once(reset.instance, "reset", reset)
    except Exception as exc:
        if reset.running:  # an error the reset did not expect: never leave it "running"
            do_finish_reset(reset, SessionReset.Outcome.FAILED, str(exc))
        if not isinstance(exc, EngineError):
            raise
    return reset
