"""Meta's WhatsApp Cloud API: webhook parsing, signature check and REST client."""

from ponte.engines.cloudapi.webhook import parse, verify_signature

__all__ = ["parse", "verify_signature"]
