"""Database chores: one SQLite writer at a time, private files, purges that leave no trace."""

import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection
from django.db.models import F, Q, QuerySet

log = logging.getLogger(__name__)
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


# pg_advisory_xact_lock key that purges and inbox batches share: "PURG" (fits in 31 bits).
PURGE_LOCK_KEY = 0x50555247
CHECKPOINT_TRIES = 5


def keep_purges_out() -> None:
    """An inbox batch's transaction: no purge runs until it commits (batches share this).

    On PostgreSQL a batch reads a person's chat, a purge deletes it, and the batch's
    messages then point at nothing: it fails at commit, or, worse, the purge does. The
    two take this lock first, so one waits for the other. SQLite's writers' lock
    serializes them already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [PURGE_LOCK_KEY])


def purge_alone() -> None:
    """A purge's transaction: waits for inbox batches in flight, holds new ones until it commits."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PURGE_LOCK_KEY])


def _rewrite_word_indexes(tables: Iterable[str]) -> None:
    """An FTS5 index keeps a deleted row's words until its segments merge: rewrite each
    index over a purged table now, so the words go with the row."""
    wanted = {f"content='{table}'" for table in tables}
    if not wanted:
        return
    with serialized_writes(), connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                       "AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'")
        for name, sql in cursor.fetchall():
            if any(content in sql for content in wanted):
                quoted = connection.ops.quote_name(name)
                cursor.execute(f"INSERT INTO {quoted}({quoted}) VALUES ('optimize')")


def forget_deleted_pages(tables: Iterable[str] = ()) -> bool:
    """After a purge, take the deleted bytes out of the files that still hold them.

    On SQLite, `secure_delete` zeroes what a delete frees in the database file, but the
    pages as they were stay in the WAL until a checkpoint: a TRUNCATE checkpoint copies
    the WAL back and empties it (a full-text index over a purged table is rewritten
    first). Readers can hold it up, so it is retried, and the sweep
    runs one on every pass. On PostgreSQL a VACUUM of the touched tables drops the dead
    rows from tables and indexes (docs/privacy.md says what it cannot promise). Runs
    outside a transaction, once the purge has committed; inside one (a test's) it does
    nothing. False when the WAL could not be emptied now.
    """
    if connection.in_atomic_block:
        return False
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in sorted(set(tables)):
                cursor.execute(f"VACUUM {connection.ops.quote_name(table)}")
        return True
    if connection.vendor != "sqlite":
        return True
    _rewrite_word_indexes(tables)
    if connection.is_in_memory_db():
        return True
    for attempt in range(CHECKPOINT_TRIES):
        if attempt:
            time.sleep(0.2)
        with serialized_writes(), connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _, _ = cursor.fetchone()
        if not busy:
            return True
    log.info("the WAL is still in use by readers; the next sweep empties it")
    return False


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


def insert_rows(objs: list) -> None:
    """Insert new model instances of one model in multi-row INSERTs, setting their ids.

    What `bulk_create` does for the hot paths (webhooks, their log entries, stored
    messages) at a fraction of its cost: each column's conversion is chosen once,
    not asked of the field for every value. Instances carry their defaults already;
    models whose fields compute a value on save (`auto_now`) are not for this.
    """
    if not objs:
        return
    model = type(objs[0])
    fields, converters = _insert_plan(model, connection.vendor)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pk = connection.ops.quote_name(model._meta.pk.column)
    per_statement = max(1, 30_000 // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            chunk = objs[start:start + per_statement]
            params = [convert(getattr(obj, field.attname))
                      for obj in chunk for field, convert in zip(fields, converters, strict=True)]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES "
                           f"{', '.join([one_row] * len(chunk))} RETURNING {pk}", params)
            for obj, (new_id,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = new_id
                obj._state.adding = False
                obj._state.db = connection.alias


_plans: dict[tuple, tuple[list, list]] = {}


def _insert_plan(model, vendor: str) -> tuple[list, list]:
    key = (model, vendor)
    if key not in _plans:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        if any(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
               for f in fields):
            raise ValueError(f"{model.__name__} computes values on save: use bulk_create")
        _plans[key] = (fields, [_converter(f) for f in fields])
    return _plans[key]


_AS_IS = {"AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField",
          "FloatField", "IntegerField", "PositiveBigIntegerField", "PositiveIntegerField",
          "PositiveSmallIntegerField", "SmallIntegerField", "TextField"}


def _converter(field):
    if field.is_relation:
        field = field.target_field
    kind = field.get_internal_type()
    if kind in _AS_IS:
        return lambda value: value
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    return lambda value: field.get_db_prep_save(value, connection)


def page_after(rows: QuerySet, field: str, after: tuple | None, limit: int) -> list:
    """Keyset paging by `field` descending (rows without it last), then id descending:
    `limit + 1` rows from just after the key `(value, id)`, the extra one saying more follow.

    Rows with a value and rows without are read apart: PostgreSQL's descending index keeps
    NULLs first, so one "NULLS LAST" query would sort every row before the first page."""
    found: list = []
    if after is None or after[0] is not None:
        valued = rows.filter(**{f"{field}__isnull": False})
        if after is not None:
            value, pk = after
            valued = valued.filter(Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": pk}))
        found = list(valued.order_by(F(field).desc(), "-pk")[: limit + 1])
    if len(found) <= limit:
        empty = rows.filter(**{f"{field}__isnull": True})
        if after is not None and after[0] is None:
            empty = empty.filter(pk__lt=after[1])
        found += list(empty.order_by("-pk")[: limit + 1 - len(found)])
    return found


def sql_by_vendor(*, sqlite: list[str], postgresql: list[str]):
    """A migration step running one list of statements on SQLite, the other on PostgreSQL
    (indexes Django's schema API cannot describe: FTS5 tables, expression GIN indexes)."""
    def run(apps, schema_editor) -> None:
        for statement in sqlite if schema_editor.connection.vendor == "sqlite" else postgresql:
            schema_editor.execute(statement, params=None)
    return run
