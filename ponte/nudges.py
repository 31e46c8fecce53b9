"""Nudges between Ponte's processes: "there is work" to the worker, "show this" to the web.

`ponte serve` runs the web and the worker as separate processes on one database, so
the ingest path never shares an interpreter with the web's answers. A webhook the
web commits must still wake the worker's drainer at once, and an event the worker
publishes must still reach the tabs connected to the web. Between processes of one
machine, a nudge is a datagram on a Unix socket in Linux's abstract namespace, named
after the database, so two installs on one host never hear each other. With Redis
configured, wakes go through its pub/sub instead (the worker may be on another
machine) and events through the channel layer.

A nudge is a hint, never the only carrier of work: every loop also polls, so a lost
nudge costs latency, not data.
"""

import functools
import hashlib
import json
import logging
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)
MAX_DATAGRAM = 200_000
SEND_TIMEOUT_SECONDS = 0.5
WORKER = "worker"
WEB = "web"


@functools.cache
def _install() -> str:
    """What tells this install from others on the host: its default database."""
    db = settings.DATABASES["default"]
    identity = repr((db.get("ENGINE"), db.get("HOST"), db.get("PORT"), str(db.get("NAME"))))
    return hashlib.sha256(identity.encode()).hexdigest()[:20]


def address(role: str) -> str:
    return f"\0ponte-{_install()}-{role}"


def _redis_channel() -> str:
    return f"ponte:{_install()}:wake"


@functools.cache
def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def send(role: str, payload: dict[str, Any]) -> bool:
    """Hand `payload` to the process listening as `role`; False when none is."""
    data = json.dumps(payload, separators=(",", ":"), default=str).encode()
    if role == WORKER and settings.REDIS_URL:
        try:
            return _redis().publish(_redis_channel(), data) > 0
        except Exception:
            log.warning("wake through Redis failed", exc_info=True)
            return False
    if not sys.platform.startswith("linux") or len(data) > MAX_DATAGRAM:
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.settimeout(SEND_TIMEOUT_SECONDS)
        try:
            sock.sendto(data, address(role))
        except (FileNotFoundError, ConnectionRefusedError):
            return False  # nobody listens: a single-process run, or a test
        except OSError:
            log.warning("nudge to %s failed", role, exc_info=True)
            return False
    return True


class Listener:
    """A daemon thread handing every nudge sent to `role` to `handle`."""

    def __init__(self, role: str, handle: Callable[[dict[str, Any]], None]) -> None:
        self.role = role
        self.handle = handle
        self._stop = threading.Event()
        self._closers: list[Callable[[], None]] = []

    def start(self) -> "Listener":
        if self.role == WORKER and settings.REDIS_URL:
            self._start_redis()
        elif sys.platform.startswith("linux"):
            self._start_datagrams()
        return self

    def stop(self) -> None:
        self._stop.set()
        for close in self._closers:
            close()

    def _start_datagrams(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            sock.bind(address(self.role))
        except OSError:
            sock.close()
            log.warning("another process already listens as %s; relying on polling", self.role)
            return
        self._closers.append(sock.close)
        self._thread(lambda: self._read_datagrams(sock))

    def _read_datagrams(self, sock: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                data = sock.recv(MAX_DATAGRAM)
            except OSError:
                return
            self._deliver(data)

    def _start_redis(self) -> None:
        pubsub = _redis().pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(_redis_channel())
        except Exception:
            log.warning("cannot listen for wakes on Redis; relying on polling", exc_info=True)
            return
        self._closers.append(pubsub.close)
        self._thread(lambda: self._read_redis(pubsub))

    def _read_redis(self, pubsub) -> None:
        while not self._stop.is_set():
            try:
                message = pubsub.get_message(timeout=1.0)
            except Exception:
                if self._stop.is_set():
                    return
                log.warning("Redis wake listener failed; retrying", exc_info=True)
                self._stop.wait(1.0)
                continue
            if message:
                self._deliver(message["data"])

    def _deliver(self, data: bytes) -> None:
        try:
            self.handle(json.loads(data))
        except Exception:
            log.exception("nudge to %s not handled", self.role)

    def _thread(self, target: Callable[[], None]) -> None:
        threading.Thread(target=target, name=f"ponte-nudges-{self.role}", daemon=True).start()
