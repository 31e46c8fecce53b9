"""Shared test fixtures: tenants, the engines' fixture payloads, real services."""

import json
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent


def fixtures_dir() -> Path:
    """The shared engine payloads: $PONTE_FIXTURES, or ../shared/fixtures beside the clone."""
    candidates = [os.environ.get("PONTE_FIXTURES"), REPO.parent / "shared" / "fixtures"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    raise RuntimeError("engine fixtures not found: set PONTE_FIXTURES to shared/fixtures")


def missing_service(reason: str) -> None:
    """Skip locally; in CI a missing PostgreSQL, Redis or Chromium is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def webhook_fixtures(engine: str) -> list[Path]:
    """Every webhook body of an engine (REST request/response samples excluded)."""
    folder = fixtures_dir() / engine
    files = sorted(folder.glob("*.json"))
    rest = ("rest-", "rest.", "send-text.", "socket-")
    return [f for f in files if not f.name.startswith(rest)]


def load_fixture(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture
def make_tenant(db):
    """Provision an organization with an instance of the given engine."""
    from ponte.accounts.services import do_provision_organization

    def make(engine: str = "wppconnect", name: str = "Loja", **kwargs):
        return do_provision_organization(name, engine, **kwargs)

    return make


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        missing_service("Debian's chromium is not installed")
    return path


@pytest.fixture(autouse=True, scope="session")
def _release_background_connections(django_db_setup):
    """The webhook committer's thread holds a connection; drop it before the test DB goes."""
    yield
    from ponte.inbox.views import committer

    committer.release_connections()


def send_until_settled(message, passes: int = 10):
    """Run the sender until a queued message leaves `pending`, skipping backoff waits."""
    from django.utils import timezone

    from ponte.conversations.models import Message
    from ponte.conversations.sender import Sender

    sender = Sender()
    try:
        for _ in range(passes):
            Message.objects.filter(pk=message.pk, status="pending").update(
                next_attempt_at=timezone.now())
            sender.send_due()
            message.refresh_from_db()
            if message.status != "pending":
                break
    finally:
        sender.close()
    return message
