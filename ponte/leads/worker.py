"""The background scorer of leads: every second, the leads whose burst of messages is over."""

from ponte.ai.choice import run_asked_tests
from ponte.background import BackgroundLoop
from ponte.leads.services import do_score_due_leads

BATCH_SIZE = 50
POLL_SECONDS = 1.0


class LeadScoring:
    """Scores due leads; a full batch means more may be waiting, so the next pass follows."""

    def run_pass(self) -> float | None:
        run_asked_tests()  # Settings › IA's "Testar conexão", kept out of web requests
        return 0 if do_score_due_leads(limit=BATCH_SIZE) >= BATCH_SIZE else None

    def close(self) -> None:
        pass


scoring = BackgroundLoop("ponte-leads", LeadScoring, period=lambda: POLL_SECONDS)
