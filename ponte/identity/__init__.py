"""Canonical identities for phone numbers and WhatsApp ids."""

from ponte.identity.canonical import canonicalize, ninth_digit_variants
from ponte.identity.types import Identity

__all__ = ["Identity", "canonicalize", "ninth_digit_variants"]
