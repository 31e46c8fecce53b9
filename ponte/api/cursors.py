"""Opaque page cursors: the sort key of the last row a page showed.

A cursor carries the key itself, not a row id to look up, so a page still follows
when that row has been deleted meanwhile. Integrators pass it back untouched; any
other text is a `BadCursor` (a 400), never a crash.
"""

import base64
import json
import re
from datetime import datetime

MAX_LENGTH = 200
MAX_ID = 2**63 - 1
# Before cursors were opaque, `?before=` took a row id; it still works where it did.
_LEGACY_ID = re.compile(r"[0-9]{1,18}")


class BadCursor(ValueError):
    """The `before` text is not a cursor this endpoint gave."""


def encode(*key: datetime | int | None) -> str:
    values = [value.isoformat() if isinstance(value, datetime) else value for value in key]
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(text: str, shape: tuple[type, ...], *, nullable: frozenset[int] = frozenset()
           ) -> tuple:
    """The key in `text`, typed as `shape` (positions in `nullable` may be None)."""
    if len(text) > MAX_LENGTH:
        raise BadCursor
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        values = json.loads(raw.decode())
    except (ValueError, RecursionError) as exc:
        raise BadCursor from exc
    if not isinstance(values, list) or len(values) != len(shape):
        raise BadCursor
    return tuple(_typed(value, kind, index in nullable)
                 for index, (value, kind) in enumerate(zip(values, shape, strict=True)))


def legacy_id(text: str) -> int | None:
    """The row id of an old-style `?before=<id>`, or None for an opaque cursor."""
    return int(text) if _LEGACY_ID.fullmatch(text) else None


def _typed(value: object, kind: type, nullable: bool) -> datetime | int | None:
    if value is None and nullable:
        return None
    if kind is int and type(value) is int and 0 < value <= MAX_ID:
        return value
    if kind is datetime and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise BadCursor from exc
        if moment.tzinfo is not None:
            return moment
    raise BadCursor
