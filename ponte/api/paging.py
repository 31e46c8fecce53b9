"""What every list shares: the `before` and `limit` parameters and how a page is cut."""

from collections.abc import Callable

from ninja import Query

from ponte.api import cursors

BEFORE = Query(None, description="The `next_before` of the previous page.")
LIMIT = Query(50, ge=1, le=200, description="Items per page.")


def page(rows: list, limit: int, key: Callable) -> tuple[list, str | None]:
    """The page to show of `limit + 1` rows fetched, and the cursor to the next, if any."""
    shown = rows[:limit]
    return shown, cursors.encode(*key(shown[-1])) if len(rows) > limit else None
