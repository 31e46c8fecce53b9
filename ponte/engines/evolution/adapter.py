"""Evolution API v2 as Ponte sees it: a self-hosted engine that echoes its apikey."""

from typing import Any

from ponte.engines.adapter import EngineAdapter
from ponte.engines.evolution.client import Client
from ponte.engines.evolution.webhook import parse, scrub_media, scrub_secrets


class EvolutionAdapter(EngineAdapter):
    name = "evolution"
    label = "Evolution API v2"
    client_class = Client
    read_events = staticmethod(parse)

    def session_of(self, payload: dict[str, Any]) -> str | None:
        """Evolution names its instance, which Ponte creates with the session's name."""
        named = payload.get("instance")
        return named if isinstance(named, str) and named else None

    def scrub_secrets(self, payload: dict[str, Any]) -> bool:
        return scrub_secrets(payload)

    def scrub_media(self, payload: dict[str, Any]) -> bool:
        return scrub_media(payload)
