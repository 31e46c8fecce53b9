"""SQLite: one writer at a time, and files only their owner can read."""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def make_sqlite_files_private(sender, connection, **kwargs) -> None:
    """On every new connection: the database, its WAL and shared memory readable by the owner only.

    They hold every message and the encrypted secrets. SQLite gives the WAL and -shm
    files the mode of the database file, so tightening it first covers the files to come.
    """
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    database = Path(connection.settings_dict["NAME"])
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        try:
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
        except FileNotFoundError:
            pass
