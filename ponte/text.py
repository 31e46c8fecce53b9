"""Text as Ponte stores it: notes and names clipped to the columns that hold them."""

import re
from decimal import ROUND_HALF_UP, Decimal

ERROR_LENGTH = 300  # error notes, causes, diagnostic paths
NAME_LENGTH = 200  # the names people give themselves on WhatsApp


def clip_error(text: str | None) -> str:
    """An error or cause note as stored: at most ERROR_LENGTH characters."""
    return (text or "")[:ERROR_LENGTH]


def clip_name(text: str | None) -> str:
    return (text or "")[:NAME_LENGTH]


# A lone UTF-16 surrogate (JSON can write one as "\\ud800"), which no database stores, or a
# NUL, which PostgreSQL refuses in text.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def replace_unstorable(text: str) -> str:
    """The text with what a database cannot store replaced by U+FFFD, the replacement character."""
    return UNSTORABLE.sub("\ufffd", text)


def is_storable(text: str) -> bool:
    return UNSTORABLE.search(text) is None


def reais(value: Decimal | int | str) -> str:
    """Money the Brazilian way, never through a float: Decimal("1234.5") -> "R$ 1.234,50"."""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    grouped = f"{abs(amount):,.2f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"-R$ {grouped}" if amount < 0 else f"R$ {grouped}"
