"""The background drainer of the inbox, woken at once by a webhook in the same process."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ponte.background import BackgroundLoop
from ponte.inbox.pipeline import drain, purge_processed_bodies

BATCH_SIZE = 100
LINGER_SECONDS = 0.01
POLL_SECONDS = 0.5
PURGE_EVERY = timedelta(minutes=10)


class InboxDrain:
    """Drains pending webhooks; now and then drops raw bodies past their retention."""

    def __init__(self) -> None:
        self.next_purge = timezone.now()

    def run_pass(self) -> float | None:
        taken = drain(BATCH_SIZE)
        if timezone.now() >= self.next_purge:
            retention = timedelta(hours=settings.PONTE_INBOX_RETENTION_HOURS)
            purge_processed_bodies(timezone.now() - retention)
            self.next_purge = timezone.now() + PURGE_EVERY
        if not taken:
            return None
        # Under load, let a few more arrive: one batch of 50 costs far less than
        # ten of 5, and a few milliseconds are invisible on a screen.
        return LINGER_SECONDS if taken < BATCH_SIZE else 0

    def close(self) -> None:
        pass


drainer = BackgroundLoop("ponte-inbox", InboxDrain, period=lambda: POLL_SECONDS)
