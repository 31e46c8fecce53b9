"""Reading what engines send: untrusted JSON, one meaning per helper.

The tolerant readers turn an absent, null or oddly typed field into an empty
value, for optional content. The `require_*` readers raise `UnknownPayload`
naming what was missing, for the structure a body cannot do without.
"""

import json
import math
import re
from typing import Any

from ponte.engines.events import Location, SharedContact, UnknownPayload
from ponte.text import UNSTORABLE, replace_unstorable

PNG_DATA_URL = "data:image/png;base64,"
# Real bodies nest about a dozen levels (Evolution's quoted messages go deepest).
MAX_DEPTH = 64
# A JSON integer beyond a 64-bit column is no id, timestamp or count any engine sends.
MAX_INTEGER = 2**63 - 1
_MAYBE_UNSTORABLE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


class UnreadableJson(ValueError):
    """A body that is not JSON Ponte will read; `code` names why, for the engine's answer."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


def read_json(text: str) -> Any:
    """Parse untrusted JSON into values every later step can hold and store.

    Too deep a nesting, an integer beyond 64 bits and NaN or Infinity are refused;
    characters no database stores (lone surrogates, NUL) become U+FFFD, so a
    message that carries them is kept rather than failing in the worker.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise UnreadableJson("too_deep", f"JSON nested deeper than {MAX_DEPTH} levels.") from None
    except UnreadableJson:
        raise
    except json.JSONDecodeError as exc:
        raise UnreadableJson("malformed_json", f"Body is not valid JSON: {exc}") from None
    except ValueError:  # an integer over Python's limit of digits
        raise UnreadableJson("number_too_large", "A number in the body is too large.") from None
    return _checked(value, clean=bool(_MAYBE_UNSTORABLE.search(text)))


def _refuse_constant(name: str) -> None:
    raise UnreadableJson("malformed_json", f"Body is not valid JSON: {name} is not a number.")


def _checked(value: Any, *, clean: bool) -> Any:
    """Walk the parsed value without recursion: check depth and numbers, clean strings."""
    if clean:
        value = _clean(value)
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            _check_number(node)
            continue
        if depth > MAX_DEPTH:
            raise UnreadableJson("too_deep", f"JSON nested deeper than {MAX_DEPTH} levels.")
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, dict | list | int | float))
        if clean and isinstance(node, dict):
            _clean_keys(node)
    return value


def _check_number(value: Any) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int) and abs(value) > MAX_INTEGER:
        raise UnreadableJson("number_too_large", "A number in the body is too large.")
    if isinstance(value, float) and not math.isfinite(value):
        raise UnreadableJson("number_too_large", "A number in the body is too large.")


def _clean(value: Any) -> Any:
    """Replace unstorable characters in every string, in place for containers."""
    if isinstance(value, str):
        return replace_unstorable(value)
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                if isinstance(child, str):
                    node[key] = replace_unstorable(child)
                elif isinstance(child, dict | list):
                    stack.append(child)
        elif isinstance(node, list):
            for index, child in enumerate(node):
                if isinstance(child, str):
                    node[index] = replace_unstorable(child)
                elif isinstance(child, dict | list):
                    stack.append(child)
    return value


def _clean_keys(node: dict) -> None:
    for key in [k for k in node if UNSTORABLE.search(k)]:
        node[replace_unstorable(key)] = node.pop(key)


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


def read_duration(value: Any) -> float | None:
    """Seconds of audio or video as an engine wrote them (a number or a numeric string)."""
    if isinstance(value, str) and value.strip():
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not is_number(value) or not math.isfinite(value) or not 0 <= value < 10**7:
        return None
    return float(value)


def read_location(latitude: Any, longitude: Any, name: Any = "",
                  address: Any = "") -> Location | None:
    """A place on the map, or None when the coordinates are missing or off the globe."""
    lat, lng = _coordinate(latitude, 90), _coordinate(longitude, 180)
    if lat is None or lng is None:
        return None
    return Location(latitude=lat, longitude=lng, name=as_text(name).strip(),
                    address=as_text(address).strip())


def _coordinate(value: Any, limit: int) -> float | None:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not is_number(value) or not math.isfinite(value) or abs(value) > limit:
        return None
    return float(value)


def read_vcard(card: Any, name: str = "") -> SharedContact:
    """A shared contact card: its name (the one given, else FN) and each TEL as written.

    WhatsApp writes a phone as `item1.TEL;waid=5511987654321:+55 11 98765-4321`; the
    written number is kept, and `waid` stands in when the line carries none.
    """
    phones: list[str] = []
    full_name = ""
    # Folded lines (RFC 6350 3.2) continue with a space or a tab.
    text = re.sub(r"\r?\n[ \t]", "", as_text(card))
    for line in text.splitlines():
        head, _, value = line.partition(":")
        label, *params = head.split(";")
        label = label.rsplit(".", 1)[-1].strip().upper()
        if label == "FN" and not full_name:
            full_name = value.strip()
        elif label == "TEL":
            written = value.strip()
            waid = next((p.split("=", 1)[1] for p in params
                         if p.lower().startswith("waid=")), "")
            phone = written or (f"+{waid}" if waid.isdigit() else "")
            if phone and phone not in phones:
                phones.append(phone)
    return SharedContact(name=name.strip() or full_name, phones=phones)
