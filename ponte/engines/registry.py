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


def scrub_secrets(engine: str, payload: dict) -> bool:
    """Blank credentials an engine copies into its webhook bodies; True if any were found."""
    import importlib

    scrub = getattr(importlib.import_module(f"ponte.engines.{engine}.webhook"),
                    "scrub_secrets", None)
    return bool(scrub and scrub(payload))


def client_for(instance, *, secret: str | None = None, recorder=None):
    """An EngineClient for an instance, with `secret` or the secret that last worked."""
    import importlib

    import httpx
    from django.conf import settings

    from ponte.engines.base import Credentials

    package = importlib.import_module(f"ponte.engines.{instance.engine}")
    credentials = Credentials(base_url=instance.base_url, session=instance.session_name,
                              secret=secret if secret is not None else instance.active_secret,
                              phone_number_id=instance.phone_number_id)
    timeout = httpx.Timeout(connect=settings.PONTE_ENGINE_CONNECT_TIMEOUT,
                            read=settings.PONTE_ENGINE_READ_TIMEOUT, write=10.0, pool=5.0)
    return package.Client(credentials, recorder=recorder, timeout=timeout)
