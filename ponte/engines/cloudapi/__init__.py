"""Meta's WhatsApp Cloud API: webhook parsing, signature check and REST client."""

from ponte.engines.cloudapi.client import Client
from ponte.engines.cloudapi.webhook import parse, verify_signature

__all__ = ["Client", "parse", "verify_signature"]
