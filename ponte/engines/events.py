"""The canonical event model: what every engine's webhook is parsed into.

Nothing outside `ponte.engines` sees an engine's own field names; the ingest
pipeline speaks only these types.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ponte.identity import Identity

MessageKind = Literal[
    "text", "image", "audio", "voice", "video", "document", "sticker",
    "location", "contact", "reaction", "unknown",
]
MessageStatus = Literal["sent", "delivered", "read", "played", "failed"]
SessionState = Literal["starting", "qrcode", "connected", "disconnected", "notlogged"]


class UnknownPayload(ValueError):
    """A webhook body that no parser understands."""


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)


class Media(_Event):
    mimetype: str | None = None
    filename: str | None = None
    size: int | None = None
    # What the engine's client finds the file by again: the Cloud API's media id (or its
    # URL), WPPConnect's full message key, Evolution's URL (docs/media.md#engines).
    engine_reference: str | None = None
    # The file itself when the webhook carried it (base64, a `data:` prefix allowed): it goes
    # to the download queue, never into the message's stored metadata.
    inline_base64: str | None = Field(default=None, repr=False)
    duration: float | None = None  # seconds, when the engine says (voice notes)

    def facts(self) -> dict:
        """What a message keeps of it: everything but the bytes."""
        return self.model_dump(exclude_none=True, exclude={"inline_base64"})


class Location(_Event):
    latitude: float
    longitude: float
    name: str = ""
    address: str = ""


class SharedContact(_Event):
    """One card of a shared contact: a name and the phone numbers as written on it."""

    name: str = ""
    phones: list[str] = []


class InboundMessage(_Event):
    """A message in a chat, typed by the customer or (from_me) on the company's side."""

    type: Literal["message"] = "message"
    engine_message_id: str
    chat: Identity
    sender: Identity
    from_me: bool = False
    timestamp: datetime
    kind: MessageKind = "text"
    text: str = ""
    caption: str = ""
    media: Media | None = None
    location: Location | None = None
    shared_contacts: list[SharedContact] = []
    quoted_engine_message_id: str | None = None
    push_name: str | None = None
    # No engine puts a chat lock on its messages today, so no adapter sets it: docs/privacy.md.
    locked: bool = False
    # The chat's other identity, when the engine revealed both (its @lid, or its phone).
    alternate: Identity | None = None


class StatusUpdate(_Event):
    type: Literal["status"] = "status"
    engine_message_id: str
    status: MessageStatus
    error: str | None = None


class Revoked(_Event):
    type: Literal["revoked"] = "revoked"
    engine_message_id: str


class SessionUpdate(_Event):
    type: Literal["session"] = "session"
    state: SessionState
    qr: str | None = None
    reason: str | None = None
    session: str | None = None  # the engine's name for the session, when the webhook says it


class IdentityLink(_Event):
    """The engine told us that a @lid and a phone number are the same person."""

    type: Literal["identity_link"] = "identity_link"
    lid: Identity
    phone: Identity


class Ignored(_Event):
    type: Literal["ignored"] = "ignored"
    reason: str = Field(min_length=1)


Event = InboundMessage | StatusUpdate | Revoked | SessionUpdate | IdentityLink | Ignored


# Events as JSON of our own, for a body that could not be stored as the engine wrote it
# (one that also carried a hidden number's message).
_EVENT_LIST = TypeAdapter(list[Annotated[Event, Field(discriminator="type")]])


def dump_events(events: list[Event]) -> str:
    return _EVENT_LIST.dump_json(events).decode()


def load_events(text: str) -> list[Event]:
    return _EVENT_LIST.validate_json(text)
