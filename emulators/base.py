"""What every engine emulator shares, so each engine's module holds only what is its own.

`EngineEmulator` is the loopback HTTP server with the knobs tests turn on any
engine: the calls it received (`requests`), what reached WhatsApp
(`delivered`, and each media message as a `MediaSend` in `media_sends`),
scripted failures and hangs by operation name (`fail_next`, `hang_next`),
slowness (`latency`), the webhook outbox (`post_webhook`, `wait_for_webhooks`,
`webhooks`) and a customer writing in (`receive_text`, `receive_media`; the
engine keeps each received file in `received_media` for its download route
until `expire_media` drops it). An engine subclass supplies its routes, auth,
bodies and session states. `WebhookSink` stands in for Ponte's webhook endpoint
in tests. The image helpers make QR codes and profile pictures, the sample
helpers small real files (`sample_png`, `sample_ogg_opus`, `sample_pdf`);
`whatsapp_id` answers the ninth-digit question as WhatsApp does.
"""

import json
import queue
import random
import struct
import sys
import threading
import urllib.request
import zlib
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self
from urllib.error import HTTPError
from urllib.parse import parse_qsl, urlsplit

LOOPBACK = "127.0.0.1"


class Headers(dict[str, str]):
    """Header names in lower case, found in any case, as HTTP means them."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__((name.lower(), value) for name, value in items)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(name.lower(), default)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator received it, for tests to read."""

    method: str
    path: str  # without the query string
    query: dict[str, str]
    headers: Headers
    json: Any  # the body as JSON; None when it is none or not JSON
    operation: str | None  # what fail_next/hang_next call it; None off every route
    target: str  # as on the request line, query string included
    raw: bytes = field(repr=False)


@dataclass
class Reply:
    """An answer to write back; Content-Length, Date and Connection are added."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Failure:
    """A scripted failure: answer `status` and do nothing."""

    status: int = 504
    body: Any = None  # answered instead of the engine's own failure body
    code: int | None = None  # the engine's own error code, where it has codes (Graph)


@dataclass(frozen=True)
class Hang:
    """A scripted hang: hold the answer for `seconds`, having done the work or not."""

    seconds: float
    deliver: bool = True


@dataclass(frozen=True)
class MediaSend:
    """One media message that reached WhatsApp through the emulator, as the customer gets it.

    kind is Ponte's word for what the engine was asked to send: image, document, voice
    (a voice note, `voice` True), audio, video or sticker. `data` is the file as the
    engine received it (None when it was given a URL to fetch, then `url`).
    """

    to: str  # the recipient's WhatsApp id, digits only
    kind: str
    data: bytes | None = field(repr=False)
    mimetype: str | None
    filename: str | None
    caption: str
    voice: bool
    engine_message_id: str
    url: str | None = None


@dataclass
class ReceivedMedia:
    """A file a customer sent, as the engine keeps it for its download route."""

    data: bytes = field(repr=False)
    mimetype: str
    filename: str | None = None
    gone: bool = False  # the engine (or WhatsApp's servers) no longer has it


@dataclass
class _Webhook:
    """A webhook waiting in the outbox; `posted` is set once it went out (or failed)."""

    url: str
    body: Any
    headers: dict[str, str]
    posted: threading.Event = field(default_factory=threading.Event)
    status: int | None = None


class EngineEmulator(ABC):
    """An engine's REST API on 127.0.0.1, driven and inspected by tests.

    secrets: what the engine accepts as its secret, token or apikey (tests may
        change `accepted_secrets` later, e.g. to rotate one).
    latency: seconds every answer waits before the engine works on it.
    webhook_timeout: how long one webhook post may take before it counts as failed.
    port: where to listen; 0 picks a free port (kept across stop and start).
    """

    ENGINE: ClassVar[str]  # names the threads
    OPERATIONS: ClassVar[frozenset[str]]  # what fail_next and hang_next accept
    # What a hang without delivery ends in: the status a proxy in front answers
    # (as the engine's failure body for it), or None for no answer at all.
    UNDELIVERED_STATUS: ClassVar[int | None] = 504

    def __init__(self, secrets: Iterable[str], *, latency: float = 0.0,
                 webhook_timeout: float = 5.0, port: int = 0) -> None:
        self.accepted_secrets: list[str] = list(secrets)
        self.latency = latency
        self.webhook_timeout = webhook_timeout
        self.requests: list[RecordedRequest] = []
        self.delivered: list[dict[str, Any]] = []  # what reached WhatsApp
        self.media_sends: list[MediaSend] = []  # the media among it, engine-independent
        self.received_media: dict[str, ReceivedMedia] = {}  # message id -> file
        self.webhooks: list[dict[str, Any]] = []  # every post: url, body, status, error
        self._lock = threading.RLock()  # the engine's state, `requests` and `delivered`
        self._faults: dict[str, deque[Failure | Hang]] = {op: deque() for op in self.OPERATIONS}
        self._port = port
        self._server: _LoopbackServer | None = None
        self._stopping = threading.Event()
        self._outbox: queue.Queue[_Webhook | None] = queue.Queue()
        self._poster: threading.Thread | None = None
        self._unposted = 0
        self._posted = threading.Condition()

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self._port}"

    def start(self) -> Self:
        """Listen (on the previous port when it is still free) and post queued webhooks."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = self._bind()
        self._port = self._server.server_address[1]
        self._poster = threading.Thread(target=self._post_webhooks,
                                        name=f"{self.ENGINE}-webhooks", daemon=True)
        self._poster.start()
        return self

    def stop(self) -> None:
        """Close the port: from now on a client gets connection refused.

        Answers still held back are dropped. Webhooks queued so far go out
        first; later ones wait for the next start.
        """
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.close()
        poster, self._poster = self._poster, None
        self._outbox.put(None)
        if poster is not None:
            poster.join(self.webhook_timeout + 1)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _bind(self) -> "_LoopbackServer":
        for port in dict.fromkeys((self._port, 0)):
            try:
                return _LoopbackServer(port, _Handler, self, f"{self.ENGINE}-emulator")
            except OSError:
                continue
        raise OSError("no free loopback port for the emulator")

    # -- scripting ---------------------------------------------------------------------

    def fail_next(self, operation: str, status: int = 504, times: int = 1, *,
                  body: Any = None, code: int | None = None) -> None:
        """Answer the next `times` calls of `operation` with `status`, doing nothing.

        The body is the engine's own for that failure (a reverse proxy's page for
        the gateway statuses where the engine sits behind one), or `body`; `code`
        picks one of the engine's error codes where it has them (Graph).
        """
        self._script(operation, [Failure(status, body, code)] * times)

    def hang_next(self, operation: str, seconds: float, deliver: bool = True) -> None:
        """Hold the next answer of `operation` for `seconds`.

        deliver=True: the call takes effect first (a send reaches WhatsApp), so a
        client that gives up meanwhile cannot know the outcome. deliver=False:
        nothing happens, and the wait ends as `UNDELIVERED_STATUS` says.
        """
        self._script(operation, [Hang(seconds, deliver)])

    def _script(self, operation: str, faults: list[Failure | Hang]) -> None:
        self._check_operation(operation)
        with self._lock:
            self._faults[operation].extend(faults)

    def _check_operation(self, operation: str) -> None:
        if operation not in self.OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; one of {sorted(self.OPERATIONS)}")

    def _take_fault(self, operations: Iterable[str]) -> Failure | Hang | None:
        with self._lock:
            for operation in operations:
                if self._faults.get(operation):
                    return self._faults[operation].popleft()
        return None

    # -- a customer writes -------------------------------------------------------------

    @abstractmethod
    def receive_text(self, wa_id: str, text: str, *, push_name: str = "Cliente",
                     session: str | None = None) -> str:
        """A customer sends a text: the engine posts it to Ponte; returns its message id.

        session: which of the engine's sessions (instances) receives it, where
        there are several; None for the one tests usually mean.
        """

    def receive_media(self, wa_id: str, data: bytes, *, kind: str = "image",
                      mimetype: str | None = None, filename: str | None = None,
                      caption: str = "", inline: bool | None = None,
                      duration: float | None = None, push_name: str = "Cliente",
                      session: str | None = None) -> str:
        """A customer sends a file: the engine posts its media webhook; returns the message id.

        kind: image, voice (a recorded voice note), audio, video, document or sticker.
        mimetype: None guesses it from the bytes (`guess_mimetype`).
        inline: whether the webhook carries the file itself as base64 (WPPConnect's
            autoDownload, Evolution's webhook base64), or only a reference that the
            download route answers; None does what the engine is configured to do.
        duration: seconds, for voice, audio and video (None: worked out for OGG/Opus).
        The engine keeps the file for its download route until `expire_media`.
        """
        raise NotImplementedError(f"{self.ENGINE} emulates no media webhooks")

    def receive_location(self, wa_id: str, latitude: float, longitude: float, *,
                         name: str = "", address: str = "", push_name: str = "Cliente",
                         session: str | None = None) -> str:
        """A customer shares a place (a pin, or a named place with its address)."""
        raise NotImplementedError(f"{self.ENGINE} emulates no location webhooks")

    def receive_contacts(self, wa_id: str, cards: Sequence[tuple[str, Sequence[str]]], *,
                         push_name: str = "Cliente", session: str | None = None) -> str:
        """A customer shares contact cards: (name, [phone as written, ...]) each."""
        raise NotImplementedError(f"{self.ENGINE} emulates no contact webhooks")

    def expire_media(self, message_id: str) -> None:
        """The engine no longer has the file of this message: its download answers as gone."""
        with self._lock:
            self.received_media[message_id].gone = True

    def _keep_media(self, message_id: str, data: bytes, mimetype: str,
                    filename: str | None) -> None:
        with self._lock:
            self.received_media[message_id] = ReceivedMedia(data, mimetype, filename)

    def _record_media_send(self, send: MediaSend) -> None:
        with self._lock:
            self.media_sends.append(send)

    # -- webhooks ----------------------------------------------------------------------

    def post_webhook(self, body: Any, url: str | None = None) -> int | None:
        """Post any body the way the engine posts its own, after those already queued.

        Goes to `url`, else where the engine would send it. Waits until it went
        out and returns the receiver's status (None: unreachable).
        """
        default_url, headers = self._webhook_destination(body)
        target = url or default_url
        if not target:
            raise ValueError("no webhook URL known: configure one first")
        webhook = self._queue_webhook(target, body, headers)
        webhook.posted.wait(2 * self.webhook_timeout)
        return webhook.status

    def wait_for_webhooks(self, timeout: float = 5.0) -> bool:
        """Block until every queued webhook was posted (or failed); False on timeout."""
        with self._posted:
            return self._posted.wait_for(lambda: self._unposted == 0, timeout)

    def _queue_webhook(self, url: str, body: Any,
                       headers: Mapping[str, str] | None = None) -> _Webhook:
        webhook = _Webhook(url, body, dict(headers or {}))
        with self._posted:
            self._unposted += 1
        self._outbox.put(webhook)
        return webhook

    def _post_webhooks(self) -> None:
        """Post the outbox one webhook at a time, in order; a failure is recorded, never raised."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while (webhook := self._outbox.get()) is not None:
            error = ""
            try:
                raw, headers = self._encode_webhook(webhook.body)
                request = urllib.request.Request(webhook.url, data=raw, method="POST",
                                                 headers={**headers, **webhook.headers})
                with opener.open(request, timeout=self.webhook_timeout) as answer:
                    webhook.status = answer.status
            except HTTPError as exc:
                webhook.status = exc.code
            except Exception as exc:  # a dead receiver must not stop the engine
                error = type(exc).__name__
            with self._posted:
                self.webhooks.append({"url": webhook.url, "body": webhook.body,
                                      "status": webhook.status, "error": error})
                self._unposted -= 1
                self._posted.notify_all()
            webhook.posted.set()

    @abstractmethod
    def _encode_webhook(self, body: Any) -> tuple[bytes, dict[str, str]]:
        """The bytes and headers the engine posts a webhook body with."""

    @abstractmethod
    def _webhook_destination(self, body: Any) -> tuple[str | None, dict[str, str]]:
        """Where the engine would post this body, and any headers its webhook adds."""

    # -- one request -------------------------------------------------------------------

    def _receive(self, method: str, target: str, headers: Iterable[tuple[str, str]],
                 raw: bytes) -> Reply | None:
        """Record a request, wait out the latency, let the engine answer (None: no answer)."""
        split = urlsplit(target)
        body = json_or_none(raw)
        request = RecordedRequest(
            method=method, path=split.path, query=dict(parse_qsl(split.query)),
            headers=Headers(headers), json=body,
            operation=self._operation_of(method, split.path, body), target=target, raw=raw)
        with self._lock:
            self.requests.append(request)
        if self._pause(self.latency):
            return None
        return self._answer(request)

    def _scripted(self, operations: Iterable[str], request: RecordedRequest,
                  work: Callable[[], Reply | None], *,
                  refusal: Reply | None = None) -> Reply | None:
        """Do `work` under the fault scripted for these operations, if any.

        A failure answers at once. `refusal` (what an engine that checks auth or
        the path at its edge answers instead of the work) comes next, unheld.
        """
        fault = self._take_fault(operations)
        if isinstance(fault, Failure):
            return self._failure(fault, request)
        if refusal is not None:
            return refusal
        if isinstance(fault, Hang) and not fault.deliver:
            if self._pause(fault.seconds) or self.UNDELIVERED_STATUS is None:
                return None
            return self._failure(Failure(self.UNDELIVERED_STATUS), request)
        reply = work()
        if isinstance(fault, Hang) and self._pause(fault.seconds):
            return None
        return reply

    def _pause(self, seconds: float) -> bool:
        """Wait unless the emulator stops first; True when it did (then answer nothing)."""
        return seconds > 0 and self._stopping.wait(seconds)

    @abstractmethod
    def _operation_of(self, method: str, path: str, body: Any) -> str | None:
        """Which operation a request is, as fail_next and hang_next name it."""

    @abstractmethod
    def _answer(self, request: RecordedRequest) -> Reply | None:
        """The engine's answer to one request; None drops the connection unanswered."""

    @abstractmethod
    def _failure(self, failure: Failure, request: RecordedRequest) -> Reply:
        """What the engine (or the proxy in front of it) answers for a scripted failure."""


class _LoopbackServer(ThreadingHTTPServer):
    """Serves `owner` on 127.0.0.1 from a daemon thread until closed."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, port: int, handler: type[BaseHTTPRequestHandler], owner: Any,
                 name: str) -> None:
        self.owner = owner
        super().__init__((LOOPBACK, port), handler)
        # A short poll keeps close() quick: tests stop and start servers often.
        threading.Thread(target=self.serve_forever, args=(0.05,), name=name, daemon=True).start()

    def close(self) -> None:
        """Stop serving and free the port."""
        self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up mid-answer is expected, not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Hands each request to the emulator and writes its reply; one request a connection."""

    protocol_version = "HTTP/1.1"
    server: _LoopbackServer

    def do_GET(self) -> None:  # http.server dispatches on these names
        raw = self.rfile.read(_content_length(self.headers.get("Content-Length")))
        # Every answer closes its connection: after stop() nothing may reuse one.
        self.close_connection = True
        emulator: EngineEmulator = self.server.owner
        reply = emulator._receive(self.command, self.path, self.headers.items(), raw)
        if reply is None:
            return
        try:
            self.send_response_only(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Date", self.date_time_string())
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up waiting: what hang_next is for

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read the emulator's `requests` instead."""


# -- Ponte's side of webhooks, for tests -------------------------------------------------


@dataclass(frozen=True)
class ReceivedPost:
    """One webhook post as the sink received it."""

    path: str
    headers: Headers
    raw: bytes

    @property
    def body(self) -> Any:
        return json_or_none(self.raw)


class WebhookSink:
    """A stand-in for Ponte's webhook endpoint: keeps every post, answers `status`."""

    def __init__(self, status: int = 200, path: str = "/webhook") -> None:
        self.status = status
        self.posts: list[ReceivedPost] = []
        self._arrived = threading.Condition()
        self._server = _LoopbackServer(0, _SinkHandler, self, "webhook-sink")
        self.url = f"http://{LOOPBACK}:{self._server.server_address[1]}{path}"

    @property
    def bodies(self) -> list[Any]:
        with self._arrived:
            return [post.body for post in self.posts]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Any]:
        """The bodies once at least `count` arrived (whatever came, on timeout)."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.posts) >= count, timeout)
        return self.bodies

    def close(self) -> None:
        """Stop listening: later posts find the port closed."""
        self._server.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _keep(self, post: ReceivedPost) -> None:
        with self._arrived:
            self.posts.append(post)
            self._arrived.notify_all()


class _SinkHandler(BaseHTTPRequestHandler):
    server: _LoopbackServer

    def do_POST(self) -> None:
        raw = self.rfile.read(_content_length(self.headers.get("Content-Length")))
        sink: WebhookSink = self.server.owner
        sink._keep(ReceivedPost(self.path, Headers(self.headers.items()), raw))
        self.send_response(sink.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read the sink's `posts` instead."""


def json_or_none(raw: bytes) -> Any:
    """A body parsed as JSON; None when it is empty or not JSON."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _content_length(header: str | None) -> int:
    return int(header) if header and header.isdigit() else 0


# -- what stands in front of a self-hosted engine ----------------------------------------

# The statuses nginx answers itself when the engine behind it is down or too slow.
GATEWAY_REASONS = {502: "Bad Gateway", 503: "Service Temporarily Unavailable",
                   504: "Gateway Time-out"}


def gateway_page(status: int) -> bytes:
    """nginx's own page for a gateway status (one of GATEWAY_REASONS)."""
    title = f"{status} {GATEWAY_REASONS[status]}"
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n").encode()


# -- WhatsApp's numbers and pictures ---------------------------------------------------


def whatsapp_id(registered: Collection[str] | Mapping[str, str | None] | None,
                digits: str) -> str | None:
    """Which WhatsApp id exists for these digits (None: not on WhatsApp).

    registered None: every number exists as given. A mapping: its explicit
    answer. A collection of ids: the one found with or without Brazil's ninth
    digit, as WhatsApp's own lookup finds it.
    """
    if registered is None:
        return digits
    if isinstance(registered, Mapping):
        return registered.get(digits)
    for candidate in (digits, *ninth_digit_twins(digits)):
        if candidate in registered:
            return candidate
    return None


def qr_png(seed: str | int, label: str = "ponte emulator qr", modules: int = 25,
           scale: int = 4) -> bytes:
    """A small valid PNG that differs for every seed (a QR-like pattern, not a real QR).

    The seed is in the pixels and in a tEXt chunk, so two codes never share bytes.
    """
    rng = random.Random(str(seed))
    grid = [[rng.random() < 0.5 for _ in range(modules)] for _ in range(modules)]
    for top, left in ((0, 0), (0, modules - 7), (modules - 7, 0)):
        for row in range(7):
            for col in range(7):
                grid[top + row][left + col] = max(abs(row - 3), abs(col - 3)) != 2
    rows = bytearray()
    for cells in grid:
        line = bytes(0 if dark else 255 for dark in cells for _ in range(scale))
        for _ in range(scale):
            rows += b"\x00" + line
    return _png(modules * scale, GREY, rows, comment=f"{label} {seed}")


def portrait_png(seed: str, side: int = 64) -> bytes:
    """A made-up profile picture: a head and shoulders on a colour that differs per seed."""
    rng = random.Random(seed)
    background = bytes(rng.randrange(60, 200) for _ in range(3))
    figure = bytes(235 for _ in range(3))
    head, head_radius = (side / 2, side * 0.38), side * 0.19
    shoulders, (wide, tall) = (side / 2, side * 1.0), (side * 0.38, side * 0.32)
    rows = bytearray()
    for y in range(side):
        rows += b"\x00"
        for x in range(side):
            in_head = (x - head[0]) ** 2 + (y - head[1]) ** 2 <= head_radius ** 2
            in_body = ((x - shoulders[0]) / wide) ** 2 + ((y - shoulders[1]) / tall) ** 2 <= 1
            rows += figure if in_head or in_body else background
    return _png(side, RGB, rows)


GREY, RGB = 0, 2  # PNG colour types


def _png(side: int, colour: int, rows: bytes, comment: str = "") -> bytes:
    """A square 8-bit PNG from unfiltered rows (each starting with filter byte 0)."""
    header = struct.pack(">IIBBBBB", side, side, 8, colour, 0, 0, 0)
    text = _chunk(b"tEXt", f"Comment\x00{comment}".encode()) if comment else b""
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + text
            + _chunk(b"IDAT", zlib.compress(bytes(rows))) + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def ninth_digit_twins(digits: str) -> list[str]:
    """The other form of a Brazilian mobile, as WhatsApp's own lookup finds it."""
    if not digits.startswith("55"):
        return []
    if len(digits) == 13 and digits[4] == "9":
        return [digits[:4] + digits[5:]]
    if len(digits) == 12 and digits[4] in "6789":
        return [digits[:4] + "9" + digits[4:]]
    return []


# -- small real files, for media messages ------------------------------------------------


def sample_png(seed: str = "ponte", side: int = 64) -> bytes:
    """A small real PNG (a made-up portrait) that differs per seed."""
    return portrait_png(seed, side)


# Opus's 20 ms CELT frame of digital silence, the packet voice apps send for quiet.
_OPUS_SILENCE = bytes([0xF8, 0xFF, 0xFE])
_OGG_SERIAL = 0x504F4E54


def sample_ogg_opus(seconds: float = 2.0, *, vendor: str = "ponte emulator") -> bytes:
    """A real OGG/Opus voice note of `seconds` of silence (20 ms steps), as WhatsApp records.

    Browsers play it and tag readers (mutagen) find its duration from the last page's
    granule position; the vendor string makes distinct files when needed.
    """
    frames = max(1, round(seconds * 50))
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 0, 48000, 0, 0)
    vendor_bytes = vendor.encode()
    tags = b"OpusTags" + struct.pack("<I", len(vendor_bytes)) + vendor_bytes + struct.pack(
        "<I", 0)
    pages = [_ogg_page([head], granule=0, sequence=0, flags=0x02),
             _ogg_page([tags], granule=0, sequence=1)]
    per_page = 50  # one second a page
    for start in range(0, frames, per_page):
        count = min(per_page, frames - start)
        last = start + count == frames
        pages.append(_ogg_page([_OPUS_SILENCE] * count, granule=(start + count) * 960,
                               sequence=len(pages), flags=0x04 if last else 0))
    return b"".join(pages)


def _ogg_page(packets: list[bytes], *, granule: int, sequence: int, flags: int = 0) -> bytes:
    lacing = bytearray()
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes([len(packet) % 255])
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, _OGG_SERIAL, sequence, 0,
                         len(lacing))
    page = header + bytes(lacing) + b"".join(packets)
    crc = _ogg_crc(page)
    return page[:22] + struct.pack("<I", crc) + page[26:]


def _ogg_crc_table() -> list[int]:
    table = []
    for byte in range(256):
        value = byte << 24
        for _ in range(8):
            value = ((value << 1) ^ 0x04C11DB7) if value & 0x80000000 else value << 1
        table.append(value & 0xFFFFFFFF)
    return table


_OGG_CRC = _ogg_crc_table()


def _ogg_crc(data: bytes) -> int:
    """Ogg's CRC-32: polynomial 0x04C11DB7, no reflection, starting from 0."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_CRC[((crc >> 24) & 0xFF) ^ byte]
    return crc


def ogg_opus_seconds(data: bytes) -> float | None:
    """The length of an OGG/Opus file: its last page's granule position at 48 kHz."""
    found = data.rfind(b"OggS")
    if found < 0 or len(data) < found + 14:
        return None
    granule = struct.unpack("<q", data[found + 6:found + 14])[0]
    pre_skip = struct.unpack("<H", data[38:40])[0] if data[28:36] == b"OpusHead" else 0
    return max(0, granule - pre_skip) / 48000 if granule >= 0 else None


def sample_pdf(text: str = "Pedido 4821") -> bytes:
    """A one-page PDF that says `text` (ASCII), as a customer's receipt would be."""
    safe = text.encode("ascii", "replace").decode().replace("\\", "").replace("(", "[") \
        .replace(")", "]")
    stream = f"BT /F1 14 Tf 20 60 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 120] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    table = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{table}\n"
            "%%EOF\n").encode()
    return bytes(out)


def vcard(name: str, phones: Sequence[str]) -> str:
    """A contact card as WhatsApp writes it: each number with its WhatsApp id (`waid`)."""
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"N:;{name};;;", f"FN:{name}"]
    for index, phone in enumerate(phones, start=1):
        digits = "".join(ch for ch in phone if ch.isdigit())
        lines += [f"item{index}.TEL;waid={digits}:{phone}", f"item{index}.X-ABLabel:Celular"]
    return "\n".join([*lines, "END:VCARD"])


# What a kind is sent as when nothing in the bytes says otherwise.
DEFAULT_MIMETYPES = {"image": "image/jpeg", "sticker": "image/webp",
                     "voice": "audio/ogg; codecs=opus", "audio": "audio/mpeg",
                     "video": "video/mp4", "document": "application/octet-stream"}


def guess_mimetype(data: bytes, kind: str = "document") -> str:
    """The type the first bytes show (PNG, JPEG, WebP, OGG/Opus, PDF, MP4), else the kind's."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"OggS"):
        return "audio/ogg; codecs=opus" if b"OpusHead" in data[:64] else "audio/ogg"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data[4:8] == b"ftyp":
        return "video/mp4" if kind == "video" else "audio/mp4" if kind in ("audio", "voice") \
            else "video/mp4"
    return DEFAULT_MIMETYPES.get(kind, "application/octet-stream")


def media_duration(data: bytes, duration: float | None) -> float | None:
    """The duration given, else what an OGG/Opus file says of itself."""
    if duration is not None:
        return duration
    return ogg_opus_seconds(data) if data.startswith(b"OggS") else None
