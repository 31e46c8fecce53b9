"""The recurring sweep: what slipped past a hide, raw bodies past their retention, and
media files no message uses any more.

Each pass ends with the deleted bytes taken out of the database's files
(`ponte.db.forget_deleted_pages`), which also retries a checkpoint a purge could not
finish while readers held the WAL.

It runs in the worker process, once per cluster: the worker that first takes the
turn (`ponte.db.ClusterTurn`) sweeps every period while it lives; the others only
ask again each period, and one of them takes over when it goes.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ponte.background import BackgroundLoop
from ponte.db import ClusterTurn, forget_deleted_pages
from ponte.inbox.models import InboxEvent
from ponte.inbox.pipeline import purge_processed_bodies
from ponte.media.storing import do_release_unused_files
from ponte.privacy.sweep import erase_hidden_leftovers

log = logging.getLogger(__name__)
# pg_advisory_lock key of the sweep's turn: "PONT" read as a number (fits in 31 bits).
SWEEP_TURN_KEY = 0x504F4E54 & 0x7FFFFFFF


@dataclass
class Swept:
    """One pass's findings: per organization, counts by kind; expired raw bodies; files
    left unused (a message deleted while its file was fetched, a crash between the two)."""

    hidden: dict[object, dict[str, int]] = field(default_factory=dict)
    expired_bodies: int = 0
    unused_files: int = 0


class Sweep:
    """One sweeper; at most one of them, in the whole cluster, sweeps in a period."""

    def __init__(self) -> None:
        self.turn = ClusterTurn(SWEEP_TURN_KEY)

    def sweep(self) -> Swept | None:
        """One pass if this sweeper has the turn; None when another one has it."""
        if not self.turn.mine():
            return None
        found = Swept(hidden=erase_hidden_leftovers())
        retention = timedelta(hours=settings.PONTE_INBOX_RETENTION_HOURS)
        found.expired_bodies = purge_processed_bodies(timezone.now() - retention)
        found.unused_files = do_release_unused_files(
            timezone.now() - timedelta(hours=settings.PONTE_MEDIA_UNUSED_HOURS))
        # Raw bodies deleted since the last pass (retention 0 deletes them as they are
        # processed) leave the WAL here; a hide's own purge has done so already.
        forget_deleted_pages([InboxEvent._meta.db_table] if found.expired_bodies else [])
        if found.hidden or found.expired_bodies or found.unused_files:
            log.info("sweep: %d raw bodies past retention, hidden numbers' leftovers in %d "
                     "organization(s), %d unused media files", found.expired_bodies,
                     len(found.hidden), found.unused_files)
        return found

    def run_pass(self) -> None:
        self.sweep()

    def close(self) -> None:
        self.turn.release()


sweeper = BackgroundLoop("ponte-sweep", Sweep,
                         period=lambda: settings.PONTE_PRIVACY_SWEEP_SECONDS)
