"""Background loops: the inbox drainer, the outbound sender, the session supervisor.

Each is a daemon thread that runs one pass of its work, then waits until its
period is over or something wakes it (a webhook committed, a message queued, a
session dropped). A pass that raises is logged and tried again a moment later,
with the thread's database connections dropped in case they were the trouble;
they are closed for good when the loop stops.
"""

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from django.db import close_old_connections, connections

from ponte import nudges

log = logging.getLogger(__name__)
ERROR_PAUSE_SECONDS = 1.0


class Worker(Protocol):
    """The work a loop repeats, made in the loop's thread when it starts."""

    def run_pass(self) -> float | None:
        """Do one pass. The answer is the pause before the next one: None to wait for the
        period or a wake, 0 to go on at once (more is waiting), or seconds to linger."""

    def close(self) -> None: ...


class BackgroundLoop:
    """One named thread repeating a worker's passes until stopped."""

    def __init__(self, name: str, make_worker: Callable[[], Worker],
                 period: Callable[[], float]) -> None:
        self.name = name
        self.make_worker = make_worker
        self.period = period
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Start the next pass now rather than at the end of the period, in this process
        or, when the loop runs in the worker process, there."""
        self._wake.set()
        if self._thread is None:
            nudges.send(nudges.WORKER, {"wake": self.name})

    @property
    def woken(self) -> bool:
        """A wake is waiting: the next pass starts without waiting for the period."""
        return self._wake.is_set()

    def start(self) -> "BackgroundLoop":
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run(self) -> None:
        """Passes until stopped; work left by a crash is found by the first one."""
        worker = self.make_worker()
        try:
            while not self._stop.is_set():
                # Cleared before the pass, not after the wait: a wake during the pass
                # means something arrived it may have missed, so another pass follows.
                self._wake.clear()
                try:
                    pause = worker.run_pass()
                except Exception:
                    log.exception("%s: pass failed; trying again", self.name)
                    close_old_connections()
                    self._stop.wait(ERROR_PAUSE_SECONDS)
                    continue
                if pause is None:
                    self._wake.wait(self.period())
                elif pause > 0:
                    # Lingering ignores wakes on purpose: under load they come all the time.
                    self._stop.wait(pause)
        finally:
            worker.close()
            connections.close_all()
