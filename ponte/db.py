"""Write serialization for SQLite, where only one writer may hold the database at a time."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

_sqlite_writer = threading.Lock()


@contextmanager
def serialized_writes() -> Iterator[None]:
    """Queue writers on a Python lock instead of SQLite's busy-wait, which sleeps up to 100 ms.

    On PostgreSQL this does nothing: row locks there are fine-grained.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with _sqlite_writer:
        yield
