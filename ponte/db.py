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


class ClusterTurn:
    """Whether this holder is the one that does a chore meant once per cluster (the sweep).

    The first holder to ask keeps the turn for as long as it lives, so the chore runs
    once per period however many workers there are, and passes to another when it
    goes. On PostgreSQL the turn is a session advisory lock on the holder's connection
    (a lost connection loses it, and the server frees it when the process dies); on
    SQLite, a lock on a file beside the database, which only one machine can share.
    """

    # A database in memory (the tests): the holders of one process take turns here.
    _in_memory: dict[int, "ClusterTurn"] = {}
    _in_memory_lock = threading.Lock()

    def __init__(self, key: int) -> None:
        if not 0 < key < 2**31:
            raise ValueError("a turn's key fits in 31 bits (pg_locks.objid)")
        self.key = key
        self._fd: int | None = None

    def mine(self) -> bool:
        """Take the turn if nobody holds it; True while this holder has it."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Session locks stack: ask pg_locks first, so holding it twice never happens.
                cursor.execute(
                    "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
                    " AND classid = 0 AND objid = %s AND objsubid = 1"
                    " AND pid = pg_backend_pid() AND granted)"
                    " THEN true ELSE pg_try_advisory_lock(%s) END", [self.key, self.key])
                return cursor.fetchone()[0]
        if connection.is_in_memory_db():
            with self._in_memory_lock:
                return self._in_memory.setdefault(self.key, self) is self
        if self._fd is None:
            path = f"{connection.settings_dict['NAME']}-turn-{self.key}.lock"
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            self._fd = fd
        return True

    def release(self) -> None:
        """Give the turn up (a worker stopping); another holder takes it at its next ask."""
        if connection.vendor == "postgresql":
            if connection.connection is not None:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s) FROM pg_locks"
                                   " WHERE locktype = 'advisory' AND classid = 0 AND objid = %s"
                                   " AND objsubid = 1 AND pid = pg_backend_pid() AND granted",
                                   [self.key, self.key])
            return
        with self._in_memory_lock:
            if self._in_memory.get(self.key) is self:
                del self._in_memory[self.key]
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops its lock
            self._fd = None
