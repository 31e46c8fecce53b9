"""Helpers the tests share: the engines' real payloads, required services, sending."""

import json
import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def fixtures_dir() -> Path:
    """The engines' real payloads, kept in the repository ($PONTE_FIXTURES points elsewhere)."""
    return Path(os.environ.get("PONTE_FIXTURES") or REPO / "fixtures")


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


def addressed_to(body: dict, session: str) -> dict:
    """A real payload as the instance's own session posts it: engines name their session."""
    for key in ("session", "instance"):
        if isinstance(body.get(key), str):
            body[key] = session
    return body


def session_of_webhook(url: str) -> str:
    """The session name of the instance a webhook URL belongs to (`Instance.session_name`)."""
    return "ponte-" + uuid.UUID(url.split("/webhooks/")[1].split("/")[0]).hex


def wppconnect_text(phone: str = "5531987654321", message_id: str = "ABC123", body: str = "Oi",
                    timestamp: int = 1701717487, session: str | None = None) -> dict:
    """What WPPConnect Server posts when a customer writes to the shop.

    The server names its session in every post; left out unless given, so the body
    is good for any instance (a post naming another session is ignored).
    """
    message = {"event": "onmessage", "id": f"false_{phone}@c.us_{message_id}",
               "body": body, "type": "chat", "t": timestamp, "from": f"{phone}@c.us",
               "to": "5511988880000@c.us", "fromMe": False, "isGroupMsg": False,
               "chatId": f"{phone}@c.us", "notifyName": "Maria", "timestamp": timestamp}
    if session is not None:
        message["session"] = session
    return message


def send_until_settled(message, passes: int = 10):
    """Run the sender until a queued message leaves `pending`, skipping backoff waits."""
    from django.utils import timezone

    from ponte.conversations.models import Message, MessageStatus
    from ponte.conversations.sender import Sender

    sender = Sender()
    try:
        for _ in range(passes):
            Message.objects.filter(pk=message.pk, status=MessageStatus.PENDING).update(
                next_attempt_at=timezone.now())
            sender.send_due()
            message.refresh_from_db()
            if message.status != MessageStatus.PENDING:
                break
    finally:
        sender.close()
    return message


def supervised(instance, step: str = "supervise"):
    """`instance` after one supervisor step, as read back from the database."""
    from ponte.sessions.supervisor import run_once

    run_once(instance, step)
    instance.refresh_from_db()
    return instance
