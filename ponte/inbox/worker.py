"""The background drainer of the inbox, woken at once by a webhook in the same process."""

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from ponte.inbox.pipeline import drain, purge_processed_bodies

log = logging.getLogger(__name__)
_wake = threading.Event()
BATCH_SIZE = 100
LINGER_SECONDS = 0.01


def wake() -> None:
    _wake.set()


def run_forever(stop: threading.Event, poll_seconds: float = 0.5) -> None:
    """Drain until stopped; pending events left by a crash are taken on the first pass."""
    next_purge = timezone.now()
    while not stop.is_set():
        try:
            taken = drain(BATCH_SIZE)
            if timezone.now() >= next_purge:
                retention = timedelta(hours=settings.PONTE_INBOX_RETENTION_HOURS)
                purge_processed_bodies(timezone.now() - retention)
                next_purge = timezone.now() + timedelta(minutes=10)
        except Exception:
            log.exception("inbox drain failed; retrying")
            close_old_connections()
            stop.wait(1.0)
            continue
        if not taken:
            _wake.wait(poll_seconds)
            _wake.clear()
        elif taken < BATCH_SIZE:
            # Under load, let a few more arrive: one batch of 50 costs far less than
            # ten of 5, and a few milliseconds are invisible on a screen.
            stop.wait(LINGER_SECONDS)
    close_old_connections()


def start_in_thread() -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(stop,), name="ponte-inbox", daemon=True).start()
    return stop
