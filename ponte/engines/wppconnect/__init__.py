"""WPPConnect Server: webhook parsing and REST client."""

from ponte.engines.wppconnect.client import Client
from ponte.engines.wppconnect.webhook import parse

__all__ = ["Client", "parse"]
