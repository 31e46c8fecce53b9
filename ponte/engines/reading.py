"""Reading what engines send: untrusted JSON, one meaning per helper.

The tolerant readers turn an absent, null or oddly typed field into an empty
value, for optional content. The `require_*` readers raise `UnknownPayload`
naming what was missing, for the structure a body cannot do without.
"""

from typing import Any

from ponte.engines.events import UnknownPayload

PNG_DATA_URL = "data:image/png;base64,"


def as_text(value: Any) -> str:
    """The string, or "" for anything else."""
    return value if isinstance(value, str) else ""


def nonempty_text(value: Any) -> str | None:
    """A string with something in it, or None."""
    return value if isinstance(value, str) and value else None


def as_dict(value: Any) -> dict[str, Any]:
    """The object, or {} for anything else."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """The list, or [] for anything else."""
    return value if isinstance(value, list) else []


def is_number(value: Any) -> bool:
    """A JSON number; booleans are not numbers here, though Python says they are."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def require_dict(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UnknownPayload(f"{where} is not an object")
    return value


def require_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise UnknownPayload(f"{where} is not a list")
    return value


def require_text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise UnknownPayload(f"{where} missing")
    return value


def web_url(value: Any) -> str | None:
    """An http(s) URL an engine handed over, or None: never a data: or javascript: one."""
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def qr_image(value: Any) -> str | None:
    """A QR code as a page can show it: a PNG data URL, whichever way the engine wrote it.

    Engines hand over a data URL or the bare base64 of the PNG; anything else (the raw
    text encoded in the code, an empty string) is not an image and gives None.
    """
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("data:image/"):
        return value
    if value.startswith("data:") or "@" in value or "," in value:
        return None
    return PNG_DATA_URL + value
