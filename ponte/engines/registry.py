"""Picks the adapter for an engine name."""

from collections.abc import Callable
from typing import Any

from ponte.engines import cloudapi, evolution, wppconnect
from ponte.engines.events import Event, UnknownPayload

ENGINES: dict[str, Callable[[dict[str, Any]], list[Event]]] = {
    "wppconnect": wppconnect.parse,
    "evolution": evolution.parse,
    "cloudapi": cloudapi.parse,
}


def parse(engine: str, payload: Any) -> list[Event]:
    """Parse one webhook body; anything not understood raises UnknownPayload."""
    try:
        adapter = ENGINES[engine]
    except KeyError:
        raise UnknownPayload(f"unknown engine {engine!r}") from None
    if not isinstance(payload, dict):
        raise UnknownPayload(f"expected a JSON object, got {type(payload).__name__}")
    try:
        return adapter(payload)
    except UnknownPayload:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise UnknownPayload(f"{engine}: {type(exc).__name__}: {exc}") from exc
