"""SQLite: one writer at a time, and files only their owner can read."""

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

_sqlite_writer = threading.Lock()
_held = threading.local()
_lock_files: dict[str, int] = {}
_made_private: set[Path] = set()


@contextmanager
def serialized_writes() -> Iterator[None]:
    """Queue writers on locks instead of SQLite's busy-wait, which sleeps up to 100 ms.

    Threads of a process queue on a Python lock; the web and the worker process on
    an advisory lock beside the database file, which the kernel hands over the
    moment it is released. On PostgreSQL this does nothing: row locks there are
    fine-grained.
    """
    if connection.vendor != "sqlite" or getattr(_held, "depth", 0):
        yield  # PostgreSQL, or this thread holds the locks already (a purge that ingests)
        return
    with _sqlite_writer:
        lock = _lock_file()
        if lock is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            if lock is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _lock_file() -> int | None:
    """This process's descriptor of the database's writers' lock; None for a database in memory."""
    if connection.is_in_memory_db():
        return None
    path = f"{connection.settings_dict['NAME']}-writers.lock"
    if path not in _lock_files:
        _lock_files[path] = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    return _lock_files[path]


def make_sqlite_files_private(sender, connection, **kwargs) -> None:
    """On every new connection: the database, its WAL and shared memory readable by the owner only.

    They hold every message and the encrypted secrets. SQLite gives the WAL and -shm
    files the mode of the database file, so tightening it first covers the files to come.
    """
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    database = Path(connection.settings_dict["NAME"])
    if database in _made_private:  # once per process: every request opens a connection
        return
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        try:
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
        except FileNotFoundError:
            pass
    _made_private.add(database)
