"""WPPConnect Server: webhook parsing, REST client and a loopback emulator for tests."""

from ponte.engines.wppconnect.client import Client
from ponte.engines.wppconnect.emulator import Emulator
from ponte.engines.wppconnect.webhook import parse

__all__ = ["Client", "Emulator", "parse"]
