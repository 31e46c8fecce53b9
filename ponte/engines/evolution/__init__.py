"""Evolution API v2: webhook parsing, REST client and a loopback emulator for tests."""

from ponte.engines.evolution.client import Client
from ponte.engines.evolution.emulator import Emulator
from ponte.engines.evolution.webhook import parse

__all__ = ["Client", "Emulator", "parse"]
