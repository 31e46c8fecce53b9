"""The relevance filter's promise for locked chats, and what the engines let it know."""

import pytest

from ponte.engines.events import InboundMessage
from ponte.engines.registry import ENGINES, parse
from ponte.privacy.filters import drop_reason
from tests.support import load_fixture, webhook_fixtures, wppconnect_text


def _message(locked: bool) -> InboundMessage:
    (message,) = parse("wppconnect", wppconnect_text())
    return message.model_copy(update={"locked": locked})


def test_a_message_from_a_locked_chat_is_dropped_as_locked():
    assert drop_reason(_message(locked=True)) == "locked"
    assert drop_reason(_message(locked=False)) is None


@pytest.mark.parametrize(
    "path",
    [path for engine in ENGINES for path in webhook_fixtures(engine)],
    ids=lambda path: f"{path.parent.name}/{path.name}",
)
def test_no_real_engine_payload_is_taken_for_a_locked_chat(path):
    """docs/privacy.md: no engine reports a lock on a message; revisit it if this fails."""
    events = parse(path.parent.name, load_fixture(path))
    assert not any(isinstance(event, InboundMessage) and event.locked for event in events)
