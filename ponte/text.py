"""Text as Ponte stores it: notes and names clipped to the columns that hold them."""

ERROR_LENGTH = 300  # error notes, causes, diagnostic paths
NAME_LENGTH = 200  # the names people give themselves on WhatsApp


def clip_error(text: str | None) -> str:
    """An error or cause note as stored: at most ERROR_LENGTH characters."""
    return (text or "")[:ERROR_LENGTH]


def clip_name(text: str | None) -> str:
    return (text or "")[:NAME_LENGTH]
