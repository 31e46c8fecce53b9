"""A TCP relay in front of a server, to cut a browser's connections like a network blip."""

import socket
import struct
import threading
from contextlib import suppress

from tests.procs import free_port

RESET_ON_CLOSE = struct.pack("ii", 1, 0)


class Relay:
    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.refusing = False
        self.stalled = False
        self.cuts = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        """Reset every open connection and refuse new ones until `restore`."""
        with self._lock:
            self.refusing = True
            self.cuts += 1
            for sock in self._open:
                with suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET_ON_CLOSE)
            _hang_up(*self._open)
            self._open.clear()

    def stall(self) -> None:
        """Keep every connection open but let nothing through, like a link that died silently."""
        self.stalled = True

    def restore(self) -> None:
        self.refusing = False
        self.stalled = False

    def close(self) -> None:
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.refusing:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                if not self.stalled:
                    sink.sendall(chunk)
        except OSError:
            pass
        finally:
            _hang_up(source, sink)
            with self._lock:
                self._open.discard(source)
                self._open.discard(sink)


def _hang_up(*sockets: socket.socket) -> None:
    """Shut down before closing: a close alone waits for the thread still reading the socket."""
    for sock in sockets:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    for sock in sockets:
        sock.close()
