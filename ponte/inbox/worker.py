"""The background drainer of the inbox, woken at once by a webhook in the same process."""

from ponte.background import BackgroundLoop
from ponte.inbox.pipeline import drain

BATCH_SIZE = 100
LINGER_SECONDS = 0.01
POLL_SECONDS = 0.5


class InboxDrain:
    """Drains pending webhooks (old bodies are the sweep's: `ponte.inbox.sweep`)."""

    def run_pass(self) -> float | None:
        taken = drain(BATCH_SIZE)
        if not taken:
            return None
        # Under load, let a few more arrive: one batch of 50 costs far less than
        # ten of 5, and a few milliseconds are invisible on a screen.
        return LINGER_SECONDS if taken < BATCH_SIZE else 0

    def close(self) -> None:
        pass


drainer = BackgroundLoop("ponte-inbox", InboxDrain, period=lambda: POLL_SECONDS)
