"""Group commit for webhook arrivals.

Each webhook waits until its InboxEvent is durable before it is answered, but
many webhooks share one transaction: a writer thread commits whatever has
queued up while the previous commit ran. Under load that turns hundreds of
small transactions into a few large ones, without answering anyone early.
"""

import asyncio
import contextlib
import logging
import queue
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db import close_old_connections, connections, transaction
from django.utils import timezone

from ponte.db import insert_rows, serialized_writes
from ponte.diagnostics.metrics import WEBHOOK_ACK_SECONDS, WEBHOOKS
from ponte.diagnostics.models import DiagnosticEntry
from ponte.diagnostics.services import redact_path
from ponte.inbox.models import InboxEvent
from ponte.privacy.filters import do_count_dropped
from ponte.privacy.services import do_learn_hidden_handles
from ponte.text import clip_error

log = logging.getLogger(__name__)
MAX_BATCH = 500
IDLE_SECONDS = 1.0


@dataclass
class Arrival:
    """What one webhook leaves behind: maybe a body to process, always a diagnostic entry."""

    org_id: object
    instance_id: object
    path: str
    status_code: int
    outcome: str
    latency_ms: float
    engine: str = ""
    error: str = ""
    body: str | None = None
    state: str = InboxEvent.State.PENDING
    dropped: Counter = field(default_factory=Counter)
    canonical: bool = False
    # @lids seen beside a hidden phone, to join its hide.
    learnt: dict[str, int] = field(default_factory=dict)
    # False for a webhook that carried only a hidden number: it leaves no log entry.
    logged: bool = True
    # When the webhook came in: the log shows this, not when its group commit ran.
    received_at: datetime = field(default_factory=timezone.now)


class GroupCommitter:
    def __init__(self, on_commit=None) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._on_commit = on_commit

    async def submit(self, arrival: Arrival) -> None:
        """Return once the arrival is committed; raise if the commit failed."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self.start()
        self._queue.put((arrival, loop, done))
        await done

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the writer thread (the web application does at start-up; a first webhook
        does if nothing else did)."""
        if self.running:
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ponte-committer",
                                                daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Commit what is queued, close the thread's connections, and end it."""
        self._release(_Release(stop=True), timeout)
        self._thread = None

    def release_connections(self, timeout: float = 5.0) -> None:
        """Have the writer thread close its database connections now (tests)."""
        self._release(_Release(stop=False), timeout)

    def _release(self, release: "_Release", timeout: float) -> None:
        if self.running:
            self._queue.put(release)
            release.done.wait(timeout)

    def _run(self) -> None:
        """Commit whatever queued up while the last commit ran; release markers close up."""
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                # Idle: let go of the database connection (a PostgreSQL slot, a test DB).
                connections.close_all()
                continue
            batch, releases = [], []
            item = first
            while True:
                (releases if isinstance(item, _Release) else batch).append(item)
                if len(batch) >= MAX_BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._commit_and_answer(batch)
            if releases:
                connections.close_all()
                for release in releases:
                    release.done.set()
                if any(release.stop for release in releases):
                    return

    def _commit_and_answer(self, batch: list) -> None:
        failure = None
        try:
            self._commit([arrival for arrival, _, _ in batch])
        except Exception as exc:
            log.exception("webhook commit failed; %d arrivals answered 503", len(batch))
            failure = exc
            close_old_connections()
        for _, loop, done in batch:
            # RuntimeError: the request's loop is gone, the client hung up.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, done, failure)
        if failure is None:
            for arrival, _, _ in batch:
                WEBHOOKS.labels(arrival.engine, arrival.outcome).inc()
                WEBHOOK_ACK_SECONDS.observe(arrival.latency_ms / 1000)
            if self._on_commit and any(a.body for a, _, _ in batch):
                self._on_commit()


    @staticmethod
    def _commit(arrivals: list[Arrival]) -> None:
        dropped: dict[object, Counter] = {}
        with serialized_writes(), transaction.atomic():
            insert_rows([
                InboxEvent(org_id=a.org_id, instance_id=a.instance_id, body=a.body,
                           state=a.state, canonical=a.canonical,
                           error=clip_error(a.error) if a.state == InboxEvent.State.FAILED else "")
                for a in arrivals if a.body is not None
            ])
            insert_rows([
                DiagnosticEntry(org_id=a.org_id, instance_id=a.instance_id,
                                direction=DiagnosticEntry.Direction.INBOUND, method="POST",
                                path=redact_path(a.path), status_code=a.status_code,
                                latency_ms=round(a.latency_ms, 2), outcome=a.outcome,
                                error=clip_error(a.error), created_at=a.received_at,
                                last_at=a.received_at)
                for a in arrivals if a.logged
            ])
            for a in arrivals:
                do_learn_hidden_handles(a.org_id, a.learnt)
                if a.dropped:
                    dropped.setdefault(a.org_id, Counter()).update(a.dropped)
            for org_id, reasons in dropped.items():
                do_count_dropped(org_id, reasons)


@dataclass
class _Release:
    """A marker in the queue: close the connections, and maybe end the thread."""

    stop: bool
    done: threading.Event = field(default_factory=threading.Event)


def _settle(done: asyncio.Future, failure: Exception | None) -> None:
    if done.done():
        return
    if failure is None:
        done.set_result(None)
    else:
        done.set_exception(failure)
