"""The engines Ponte speaks to: one adapter each, over the canonical event model.

Each engine's package holds its webhook parser, its REST client and its adapter;
`adapter_for(name)` finds the adapter, `parse(name, body)` reads a webhook.
Nothing outside this package compares engine names or looks inside a client.
"""

from ponte.engines.adapter import EngineAdapter
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
from ponte.engines.registry import ENGINES, UnknownEngine, adapter_for, parse

__all__ = [
    "ENGINES", "EngineAdapter", "Event", "IdentityLink", "Ignored", "InboundMessage", "Media",
    "Revoked", "SessionUpdate", "StatusUpdate", "UnknownEngine", "UnknownPayload", "adapter_for",
    "parse",
]
