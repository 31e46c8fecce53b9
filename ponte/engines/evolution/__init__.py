"""Evolution API v2: webhook parsing and REST client."""

from ponte.engines.evolution.client import Client
from ponte.engines.evolution.webhook import parse

__all__ = ["Client", "parse"]
