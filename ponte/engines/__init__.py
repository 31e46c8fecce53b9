"""Engine adapters: each engine's webhook schema parsed into canonical events."""

from ponte.engines.events import (
    Event,
    IdentityLink,
    Ignored,
    InboundMessage,
    Media,
    Revoked,
    SessionUpdate,
    StatusUpdate,
    UnknownPayload,
)
from ponte.engines.registry import ENGINES, parse

__all__ = [
    "ENGINES", "Event", "IdentityLink", "Ignored", "InboundMessage", "Media", "Revoked",
    "SessionUpdate", "StatusUpdate", "UnknownPayload", "parse",
]
