"""The "ponte-desk" loop: chats whose snooze is over open again, within POLL_SECONDS."""

from ponte.background import BackgroundLoop
from ponte.desk.status import do_wake_snoozed

BATCH_SIZE = 200
POLL_SECONDS = 15.0


class DeskTimers:
    """Wakes snoozed chats; a full batch means more are due, so the next pass follows."""

    def run_pass(self) -> float | None:
        return 0 if do_wake_snoozed(limit=BATCH_SIZE) >= BATCH_SIZE else None

    def close(self) -> None:
        pass


desk_timers = BackgroundLoop("ponte-desk", DeskTimers, period=lambda: POLL_SECONDS)
