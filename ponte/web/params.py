"""Reading numbers from query strings people and tools can type anything into."""

MAX_ID_DIGITS = 18  # below 2**63: every id column holds it


def query_id(value: str | None) -> int | None:
    """A positive id written in ASCII digits, or None: "²", "١٢" and 50 digits are ignored."""
    if value and value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS:
        return int(value)
    return None
