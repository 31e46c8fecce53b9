"""WPPConnect Server as Ponte sees it: a self-hosted engine with a session token."""

from typing import Any

from ponte.engines.adapter import EngineAdapter
from ponte.engines.events import Event
from ponte.engines.wppconnect.client import Client
from ponte.engines.wppconnect.webhook import parse


class WppconnectAdapter(EngineAdapter):
    name = "wppconnect"
    label = "WPPConnect Server"
    client_class = Client

    def read_events(self, payload: dict[str, Any]) -> list[Event]:
        return parse(payload)
