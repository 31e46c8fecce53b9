"""A loopback stand-in for WPPConnect Server 2.10.4, for tests.

The real server needs a phone and WhatsApp's servers, so tests talk to this
one instead. It answers with the paths, status codes, headers and bodies that
`fixtures/wppconnect/captured/` recorded from the real server (read
`CAPTURED.md` there), and with the hand-written `rest-*.json` samples for what
the captures could not reach (CONNECTED, QRCODE, successful sends, the raw
PNG of qrcode-session). The quirks are kept on purpose, because Ponte has to
survive them:

- 401 bodies say `message` when the token is missing and `error` when it is
  wrong; generate-token with a wrong secret answers 400, not 401.
- A `"session"` key is added to JSON answers only when the *request* said
  exactly `Content-Type: application/json`; its value depends on what the
  server holds for the session (`""`, the name, or nothing).
- start-session answers the state from *before* the start; with
  `waitQrCode: true` it never answers when no QR code comes.
- send-message, logout-session, check-number-status and the chat routes answer
  404 "Disconnected" unless the session is CONNECTED.
- close-session of a session that never connected answers 500 yet resets it,
  and a second close answers 200.
- Browsers (`browsers`): each start launches one Chromium on the session's
  profile folder, unless one already holds that folder (puppeteer's "The
  browser is already running for …/userDataDir/<session>": the start then
  stays INITIALIZING with no new browser). Only a logged-in session has the
  library client whose close() stops its browser, so close-session leaves the
  browser of an INITIALIZING or QRCODE session running; clear-session-data
  deletes the profile folder under it, so the next start launches a second
  one beside it. `kill_browser` makes one die, with the `browserClose` webhook.

- Media: a customer's file arrives as `onmessage` with the whole file as
  base64 in `body` when the server's `webhook.autoDownload` is on (its
  default, `auto_download`), else with a thumbnail (images) or nothing there.
  `download-media` (POST `{messageId}`, the message's full key) answers
  `{base64, mimetype}`; a message WhatsApp Web cannot find, or whose file
  WhatsApp's servers dropped (`expire_media`), is a 400 "Decrypt file error";
  `get-media-by-message/<key>` is the older GET route, 500 on the same
  failures. Sends go through wa-js's sendFileMessage: `options.type`, else the
  mimetype, picks image, video, audio, sticker or document; the voice routes
  send a voice note.

The server, recording, scripting and webhook outbox are `EngineEmulator`'s;
webhooks go out in order, as the server's axios posts them. A hang without
delivery ends in no answer at all. Tests move sessions between states
(`set_state`), give people pictures (`set_picture`) and read what reached
WhatsApp (`delivered`, `media_sends`).
"""

import base64
import itertools
import json
import re
import secrets as random_tokens
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from emulators.base import (
    GATEWAY_REASONS,
    EngineEmulator,
    Failure,
    MediaSend,
    RecordedRequest,
    Reply,
    gateway_page,
    guess_mimetype,
    media_duration,
    portrait_png,
    qr_png,
    whatsapp_id,
)

VERSION = "2.10.4"

NOT_ACTIVE = "A sessão do WhatsApp não está ativa."
TOKEN_MISSING = "Token is not present. Check your header and try again"
TOKEN_WRONG = "Check that the Session and Token are correct"
NOT_STARTED = ("Session not started. Please, use the /start-session route, "
               "for initialization your session")

# The session states in the engine's own words, plus the logged-out condition
# (the phone unlinked this device: the server drops the session and its login).
STATES = ("CLOSED", "INITIALIZING", "QRCODE", "PHONECODE", "CONNECTED")
LOGGED_OUT = "LOGGED_OUT"
_LOGGED_OUT_ALIASES = frozenset({LOGGED_OUT, "notLogged", "desconnectedMobile"})

_TOKEN_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


class _Socket:
    """What Express calls `req.client` before (or without) the token check: the socket."""


_SOCKET = _Socket()


@dataclass
class _Session:
    """The server's `clientsArray[session]` entry, under the key `key`.

    `name` is None once close-session replaced the entry with `{status: null}`:
    that object has no session name, which shows in the `"session"` key and in
    webhooks, until a restart logs in and the library's client brings it back.
    """

    key: str
    name: str | None
    status: str | None = None
    webhook: str | None = None
    qr_png: bytes | None = None
    urlcode: str | None = None


@dataclass
class _Browser:
    """One Chromium the server launched for a session, on a generation of its profile folder."""

    session: str
    profile: int


@dataclass
class _Ctx:
    """One request on its way through the routes (Express's `req`)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    params: dict[str, str]
    json_request: bool
    client: Any = _SOCKET
    session: str = ""
    delay: float = 0.0  # logout-session answers from a 500 ms timer


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: tuple[str, ...]
    operations: tuple[str, ...]
    handler: str
    auth: bool = True
    connected: bool = False  # behind the server's statusConnection middleware


_ROUTES = (
    _Route("POST", ("{session}", "{secret}", "generate-token"), ("token",), "_generate_token",
           auth=False),
    _Route("GET", ("{secret}", "show-all-sessions"), ("sessions",), "_show_all_sessions",
           auth=False),
    _Route("POST", ("{secret}", "start-all"), ("sessions",), "_start_all", auth=False),
    _Route("GET", ("{session}", "check-connection-session"), ("status",), "_check_connection"),
    _Route("GET", ("{session}", "qrcode-session"), ("qrcode",), "_qrcode_session"),
    _Route("POST", ("{session}", "start-session"), ("start", "webhook"), "_start_session"),
    _Route("POST", ("{session}", "logout-session"), ("logout",), "_logout_session",
           connected=True),
    _Route("POST", ("{session}", "{secret}", "clear-session-data"), ("logout",),
           "_clear_session_data", auth=False),
    _Route("POST", ("{session}", "close-session"), ("close",), "_close_session"),
    _Route("POST", ("{session}", "send-message"), ("send_text",), "_send_message",
           connected=True),
    _Route("POST", ("{session}", "send-image"), ("send_media",), "_send_file", connected=True),
    _Route("POST", ("{session}", "send-file"), ("send_media",), "_send_file", connected=True),
    _Route("POST", ("{session}", "send-file-base64"), ("send_media",), "_send_file",
           connected=True),
    _Route("POST", ("{session}", "send-voice"), ("send_media",), "_send_voice", connected=True),
    _Route("POST", ("{session}", "send-voice-base64"), ("send_media",), "_send_voice",
           connected=True),
    _Route("GET", ("{session}", "status-session"), ("status",), "_status_session"),
    _Route("GET", ("{session}", "all-messages-in-chat", "{phone}"), ("recent_messages",),
           "_chat_messages", connected=True),
    _Route("GET", ("{session}", "get-messages", "{phone}"), ("recent_messages",),
           "_chat_messages", connected=True),
    _Route("GET", ("{session}", "check-number-status", "{phone}"), ("check_number",),
           "_check_number_status", connected=True),
    _Route("GET", ("{session}", "profile-pic", "{phone}"), ("profile_picture",),
           "_profile_pic", connected=True),
    _Route("POST", ("{session}", "download-media"), ("download_media",), "_download_media",
           connected=True),
    _Route("GET", ("{session}", "get-media-by-message", "{messageId}"), ("download_media",),
           "_media_by_message"),
)

DECRYPT_ERROR = "Decrypt file error"
# parse-data-url's test, which wa-js's convertToFile runs on a base64 file: no spaces in
# the media type's parameters.
_DATA_URL = re.compile(r"^data:([a-z]+/[a-z0-9\-+.]+(;[a-z0-9\-.!#$%*+.{}|~`]+="
                       r"[a-z0-9\-.!#$%*+.{}|~`]+)*)?(;base64)?,[a-z0-9!$&',()*+;=\-._~:@/?%\s<>]*$",
                       re.IGNORECASE)
# WhatsApp Web's message types for Ponte's media kinds, and back (wa-js's file types).
_WA_TYPES = {"text": "chat", "image": "image", "document": "document", "voice": "ptt",
             "audio": "audio", "video": "video", "sticker": "sticker"}
_FILE_TYPES = frozenset({"image", "document", "audio", "video", "sticker"})
# A JPEG's first bytes: what a thumbnail in `body` looks like with autoDownload off.
_THUMBNAIL = "/9j/4AAQSkZJRg=="


class Emulator(EngineEmulator):
    """WPPConnect Server on loopback, with the knobs tests need.

    secrets: the SECRET_KEY values the server accepts (tests may later narrow
        `accepted_secrets`, e.g. to the second alternate only).
    state: the state every session starts in, as if the server had restarted
        with their logins (None: never started, as on a fresh server).
    logged_in: whether a start finds a saved WhatsApp login (CONNECTED at once)
        or has to show a QR code first.
    whatsapp_reachable: False reproduces the captures: a start stays
        INITIALIZING forever and start-session with waitQrCode never answers.
    registered: which WhatsApp ids exist, for number checks and sends. None:
        every number exists as given. A set of ids: those exist, and a
        Brazilian number finds its twin with or without the ninth digit (as
        WhatsApp answers). A mapping: explicit answers (digits -> id or None).
    self_messages: post `onselfmessage` echoes of our own sends (the server's
        `webhook.onSelfMessage`, which Ponte's deployment turns on).
    auto_ack: post `onack` 1, 2 and 3 after each delivered send.
    logout_delay: logout-session answers from a timer (500 ms on the real server).
    me: the phone number of the session's own account, in message bodies.
    auto_download: the server's `webhook.autoDownload` (on by default): media
        webhooks carry the whole file as base64 in `body`.
    body_limit: express.json's `limit` in src/index.ts (50 MB): a larger JSON body
        gets body-parser's 413 page (a file of more than about 37 MB as base64).
    """

    ENGINE = "wppconnect"
    OPERATIONS = frozenset(op for route in _ROUTES for op in route.operations)
    UNDELIVERED_STATUS = None  # nothing in front of the server: the socket stays silent

    def __init__(self, secrets: Iterable[str] = ("THISISMYSECURETOKEN",), *,
                 state: str | None = None, logged_in: bool = False,
                 whatsapp_reachable: bool = True,
                 registered: Iterable[str] | Mapping[str, str | None] | None = None,
                 self_messages: bool = True, auto_ack: bool = True, latency: float = 0.0,
                 logout_delay: float = 0.5, me: str = "5511988880000",
                 webhook_timeout: float = 5.0, auto_download: bool = True,
                 body_limit: int = 50 * 1024 * 1024) -> None:
        super().__init__(secrets, latency=latency, webhook_timeout=webhook_timeout)
        self.auto_download = auto_download
        self.body_limit = body_limit
        self.logged_in = logged_in
        self.whatsapp_reachable = whatsapp_reachable
        self.registered = (registered if registered is None or isinstance(registered, Mapping)
                           else set(registered))
        self.self_messages = self_messages
        self.auto_ack = auto_ack
        self.logout_delay = logout_delay
        self.me = me
        self.pictures: dict[str, bytes] = {}  # WhatsApp id -> PNG, see set_picture

        self._default_state = self._check_state(state) if state else None
        self._clients: dict[str, _Session] = {}
        self._seen: set[str] = set()
        self._stored: dict[str, str | None] = {}  # token files: session -> webhook
        self._logins: dict[str, bool] = {}
        self._tokens: dict[str, tuple[str, str]] = {}  # decoded token -> (session, secret)
        self._chats: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self._qr_counter = itertools.count(1)
        self._browsers: list[_Browser] = []
        self._profiles: dict[str, int] = {}  # session -> generation of its profile folder
        self._started_at = time.monotonic()

    # -- scripting -------------------------------------------------------------------

    def set_state(self, state: str, session: str | None = None) -> None:
        """Move a session (None: every known one, and new ones) to an engine state.

        CLOSED, INITIALIZING, QRCODE (a fresh QR code), PHONECODE, CONNECTED, or
        LOGGED_OUT (alias notLogged): the phone unlinked this device, so the
        server drops the session and its login; the next start shows a QR code.
        """
        state = self._check_state(state)
        with self._lock:
            names = [session] if session else sorted(set(self._clients) | set(self._stored))
            if session is None:
                self._default_state = None if state == "CLOSED" else state
            for name in names:
                self._seen.add(name)
                self._move(name, state)

    def scan_qr(self, session: str | None = None) -> None:
        """The user scanned the QR code: the session logs in."""
        self.set_state("CONNECTED", session)

    def browsers(self, session: str | None = None) -> int:
        """How many Chromium processes run (for one session, or in all)."""
        with self._lock:
            return sum(1 for b in self._browsers if session is None or b.session == session)

    def kill_browser(self, session: str) -> None:
        """The session's Chromium dies (OOM, a kill): `browserClose`, the status stays as it was."""
        with self._lock:
            self._close_browsers(session)
            client = self._clients.get(session)
            if client is not None:
                self._emit(client, "status-find", {"status": "browserClose",
                                                   "session": client.name or session})

    def set_picture(self, wa_id: str, picture: bytes | None = None) -> str:
        """Give a person a profile picture (None: a generated PNG); returns its URL.

        The emulator serves it at /pictures/<id>.png, as WhatsApp's CDN would.
        """
        with self._lock:
            self.pictures[wa_id] = picture or portrait_png(wa_id)
        return self._picture_url(wa_id)

    def _picture_url(self, wa_id: str) -> str:
        return f"{self.base_url}/pictures/{wa_id}.png"

    def state_of(self, session: str) -> str | None:
        """The status the server holds for a session (None: not in memory)."""
        with self._lock:
            client = self._materialize(session)
            return client.status if client else None

    def qr_png(self, session: str) -> bytes | None:
        with self._lock:
            client = self._materialize(session)
            return client.qr_png if client else None

    def webhook_url(self, session: str | None = None) -> str | None:
        with self._lock:
            if session is not None:
                client = self._clients.get(session)
                return (client.webhook if client else None) or self._stored.get(session)
            urls = [c.webhook for c in self._clients.values() if c.webhook]
            urls += [url for url in self._stored.values() if url]
            return urls[-1] if urls else None

    def receive_text(self, wa_id: str, text: str, *, push_name: str = "Cliente",
                     session: str | None = None) -> str:
        """A customer writes to us: store the message and post `onmessage`.

        session: None means the session started last.
        """
        with self._lock:
            session = session or self._latest_session()
            client = self._materialize(session)
            chat = _jid(wa_id)
            message = _serialize_message(
                msg_id=_new_message_id(), chat=chat, me=self.me, from_me=False, text=text)
            message["notifyName"] = push_name
            message["sender"].update(pushname=push_name, formattedName=push_name)
            self._chats.setdefault(session, {}).setdefault(chat, []).append(message)
            if client is not None:
                self._emit(client, "onmessage", dict(message))
            return message["id"]

    def receive_media(self, wa_id: str, data: bytes, *, kind: str = "image",
                      mimetype: str | None = None, filename: str | None = None,
                      caption: str = "", inline: bool | None = None,
                      duration: float | None = None, push_name: str = "Cliente",
                      session: str | None = None) -> str:
        """A customer sends a file: `onmessage` as the library serializes a media message.

        inline None follows `auto_download`. The message id returned is the bare one
        (Ponte's `engine_message_id`); download-media wants the full key, which is
        the webhook's `id` (`false_<chat>@c.us_<id>`).
        """
        if kind not in _WA_TYPES or kind == "text":
            raise ValueError(f"unknown media kind {kind!r}")
        mimetype = mimetype or guess_mimetype(data, kind)
        inline = self.auto_download if inline is None else inline
        with self._lock:
            session = session or self._latest_session()
            client = self._materialize(session)
            chat = _jid(wa_id)
            msg_id = "3A" + random_tokens.token_hex(9).upper()
            media = {"kind": kind, "mimetype": mimetype, "size": len(data),
                     "filename": filename, "caption": caption,
                     "base64": _b64(data) if inline else
                     (_THUMBNAIL if kind in ("image", "video") else "")}
            message = _serialize_message(msg_id=msg_id, chat=chat, me=self.me, from_me=False,
                                         text="", media=media)
            message["notifyName"] = push_name
            message["sender"].update(pushname=push_name, formattedName=push_name)
            seconds = media_duration(data, duration)
            if seconds is not None and kind in ("voice", "audio", "video"):
                message["duration"] = str(round(seconds))  # WhatsApp Web: whole seconds, a string
            token = random_tokens.token_urlsafe(24)
            message["deprecatedMms3Url"] = (f"https://mmg.whatsapp.net/v/t62.7118-24/{token}"
                                            "?ccb=11-4&mms3=true")
            message["directPath"] = f"/v/t62.7118-24/{token}?ccb=11-4"
            message["mediaKey"] = _b64(random_tokens.token_bytes(32))
            message["mediaKeyTimestamp"] = message["t"]
            self._chats.setdefault(session, {}).setdefault(chat, []).append(message)
            self._keep_media(msg_id, data, mimetype, filename)
            if client is not None:
                self._emit(client, "onmessage", dict(message))
            return msg_id

    def _latest_session(self) -> str:
        names = list(self._clients) or list(self._stored)
        if not names:
            raise ValueError("no session known: start one first")
        return names[-1]

    # -- the request path --------------------------------------------------------------

    def _operation_of(self, method: str, path: str, body: Any) -> str | None:
        found = _match(method, path)
        return found[0].operations[0] if found else None

    def _answer(self, request: RecordedRequest) -> Reply | None:
        """Express's order: body parser, router, then the route's middleware and handler."""
        if len(request.raw) > self.body_limit and "json" in request.headers.get(
                "content-type", ""):
            page = "<pre>PayloadTooLargeError: request entity too large</pre>"
            return _reply(413, _html_page("Error", page), "text/html; charset=utf-8")
        _, parse_error = _parse_body(request)
        if parse_error is not None:
            return parse_error
        found = _match(request.method, request.path)
        if found is None:
            if request.method == "GET" and request.path == "/healthz":
                return self._health()
            if request.method == "GET" and request.path.startswith("/pictures/"):
                return self._picture(request.path)
            return _express_404(request.method, request.target)
        route, params = found
        ctx = _context(request, params)
        reply = self._scripted(route.operations, request, lambda: self._run(route, ctx))
        if reply is not None and self._pause(ctx.delay):
            return None
        return reply

    def _health(self) -> Reply:
        uptime = time.monotonic() - self._started_at
        return _reply(200, _dumps({"uptime": uptime, "message": "OK",
                                   "timestamp": int(time.time() * 1000)}),
                      "application/json; charset=utf-8")

    def _run(self, route: _Route, ctx: _Ctx) -> Reply | None:
        handler: Callable[[_Ctx], Reply | None] = getattr(self, route.handler)
        with self._lock:
            if route.auth:
                refused = self._verify_token(ctx)
                if refused is not None:
                    return refused
            if route.connected and not _is_connected(ctx.client):
                return self._json(ctx, 404, {"response": None, "status": "Disconnected",
                                             "message": NOT_ACTIVE})
            return handler(ctx)

    # -- authentication (the server's middleware/auth.ts) -------------------------------

    def _verify_token(self, ctx: _Ctx) -> Reply | None:
        raw_session = ctx.params["session"]
        if ":" in raw_session:  # `/api/<session>:<token>/...` works without a header
            name, token = raw_session.split(":")[0], raw_session.split(":")[1]
        else:
            name = raw_session
            header = ctx.headers.get("authorization", "")
            parts = header.split(" ")
            token = parts[1] if header and len(parts) > 1 else ""
            if not token:
                return self._json(ctx, 401, {"message": TOKEN_MISSING})
        owner = self._tokens.get(token.replace("_", "/").replace("-", "+"))
        if owner is None or owner[0] != name or owner[1] not in self.accepted_secrets:
            return self._json(ctx, 401, {"error": TOKEN_WRONG})
        ctx.session = name
        ctx.client = self._materialize(name)
        return None

    def _generate_token(self, ctx: _Ctx) -> Reply:
        session, secret = ctx.params["session"], ctx.params["secret"]
        if secret not in self.accepted_secrets:
            return self._json(ctx, 400, {"response": False,
                                         "message": "The SECRET_KEY is incorrect"})
        token = "$2b$10$" + "".join(random_tokens.choice(_TOKEN_ALPHABET) for _ in range(53))
        self._tokens[token] = (session, secret)
        encoded = token.replace("/", "_").replace("+", "-")
        return self._json(ctx, 201, {"status": "success", "session": session, "token": encoded,
                                     "full": f"{session}:{encoded}"})

    def _secret_refused(self, ctx: _Ctx, response: Any) -> Reply | None:
        if ctx.params["secret"] in self.accepted_secrets:
            return None
        return self._json(ctx, 400, {"response": response, "message": "The token is incorrect"})

    # -- sessions (the server's sessionController.ts) -----------------------------------

    def _show_all_sessions(self, ctx: _Ctx) -> Reply:
        refused = self._secret_refused(ctx, False)
        return refused or self._json(ctx, 200, {"response": list(self._stored)})

    def _start_all(self, ctx: _Ctx) -> Reply:
        # The wrong-secret answer is a 400, yet the server starts every stored session.
        refused = self._secret_refused(ctx, "error")
        for name, webhook in list(self._stored.items()):
            self._open(name, webhook)
        return refused or self._json(ctx, 201, {"status": "success",
                                                "message": "Starting all sessions"})

    def _status_session(self, ctx: _Ctx) -> Reply:
        return self._json(ctx, 200, self._state_body(ctx.client, wait_qr=False) or {})

    def _state_body(self, client: _Session | None, *, wait_qr: bool) -> dict[str, Any] | None:
        if (client is None or client.status is None) and not wait_qr:
            return {"status": "CLOSED", "qrcode": None}
        if client is None:
            return None
        body: dict[str, Any] = {"status": client.status,
                                "qrcode": _data_url(client.qr_png) if client.urlcode else None}
        if client.urlcode:
            body["urlcode"] = client.urlcode
        body["version"] = VERSION
        return body

    def _check_connection(self, ctx: _Ctx) -> Reply:
        if _is_connected(ctx.client):
            return self._json(ctx, 200, {"status": True, "message": "Connected"})
        return self._json(ctx, 200, {"status": False, "message": "Disconnected"})

    def _qrcode_session(self, ctx: _Ctx) -> Reply:
        client = ctx.client
        if client is not None and client.urlcode and client.qr_png:
            return _reply(200, client.qr_png, "image/png")
        if client is None:
            return self._json(ctx, 200, {"status": None, "message": NOT_STARTED})
        return self._json(ctx, 200, {"status": client.status,
                                     "message": "QRCode is not available..."})

    def _start_session(self, ctx: _Ctx) -> Reply | None:
        body = ctx.body if isinstance(ctx.body, dict) else {}
        wait_qr = bool(body.get("waitQrCode", False))
        before = self._state_body(ctx.client, wait_qr=wait_qr)
        webhook = body.get("webhook") if isinstance(body.get("webhook"), str) else None
        client = self._open(ctx.session, webhook, entry=ctx.client)
        if before is not None:
            return self._json(ctx, 200, before)
        if client.status == "QRCODE" and client.qr_png:
            # Only exportQR answers a waitQrCode start; without a QR it never does.
            return self._json(ctx, 200, {"status": "qrcode", "qrcode": _b64(client.qr_png),
                                         "urlcode": client.urlcode, "session": client.name})
        return self._hang_forever()

    def _hang_forever(self) -> None:
        """No answer, ever (until the emulator stops): the route's lock is let go meanwhile."""
        self._lock.release()
        try:
            self._stopping.wait(3600)
        finally:
            self._lock.acquire()

    def _close_session(self, ctx: _Ctx) -> Reply:
        client = ctx.client
        failed = {"status": False, "message": "Error closing session",
                  "error": {"level": "error"}}
        if client is None:
            return self._json(ctx, 500, failed)
        if client.status is None:
            return self._json(ctx, 200, {"status": True,
                                         "message": "Session successfully closed"})
        self._clients[ctx.session] = _Session(key=ctx.session, name=None,
                                              webhook=client.webhook)
        if client.status != "CONNECTED":
            # Only a connected session has a browser client to close: the call
            # throws, yet the entry was already reset.
            return self._json(ctx, 500, failed)
        self._close_browsers(ctx.session)
        self._emit(client, "closesession", {"message": f"Session: {ctx.session} disconnected",
                                            "connected": False})
        return self._json(ctx, 200, {"status": True, "message": "Session successfully closed"})

    def _logout_session(self, ctx: _Ctx) -> Reply:
        client = ctx.client
        self._forget(ctx.session)
        self._emit(client, "logoutsession", {"message": f"Session: {ctx.session} logged out",
                                             "connected": False})
        ctx.delay = self.logout_delay
        return self._json(ctx, 200, {"status": True, "message": "Session successfully closed"})

    def _clear_session_data(self, ctx: _Ctx) -> Reply:
        refused = self._secret_refused(ctx, "error")
        if refused is not None:
            return refused
        # No token check on this route, so the server never sees a live client
        # here: it only deletes the stored login, the token file and the profile
        # folder, even under a running browser, which then no longer holds it.
        name = ctx.params["session"]
        self._logins[name] = False
        self._stored.pop(name, None)
        self._wipe_profile(name)
        return self._json(ctx, 200, {"success": True})

    # -- messages (messageController.ts, deviceController.ts) ----------------------------

    def _send_message(self, ctx: _Ctx) -> Reply:
        targets = self._resolve_targets(ctx)
        if isinstance(targets, Reply):
            return targets
        text = ctx.body.get("message")
        results = [self._deliver(ctx, chat, {"kind": "text", "text": str(text or "")})
                   for chat in targets]
        return self._json(ctx, 201, {"status": "success", "response": results,
                                     "mapper": "return"})

    def _send_file(self, ctx: _Ctx) -> Reply:
        """send-image, send-file, send-file-base64: all the server's sendFile, which hands
        wa-js the file with `{filename, caption, ...options}` (type auto-detected unless
        `options.type` says it)."""
        source = ctx.body.get("path") or ctx.body.get("base64")
        if not source:
            return self._json(ctx, 401, {"message": "Sending the file is mandatory"})
        targets = self._resolve_targets(ctx)
        if isinstance(targets, Reply):
            return targets
        if _bad_data_url(source):
            return self._json(ctx, 500, _engine_error("send_media", 500, ctx.body))
        media = _media_info(source, ctx.body.get("filename") or "file",
                            ctx.body.get("message") or ctx.body.get("caption") or "")
        options = ctx.body.get("options") if isinstance(ctx.body.get("options"), dict) else {}
        media["kind"] = _file_kind(options, media["mimetype"])
        if media["kind"] == "audio" and options.get("isPtt") is True:
            media["kind"] = "voice"
        results = [_ack_result(self._deliver(ctx, chat, media)) for chat in targets]
        return self._json(ctx, 201, {"status": "success", "response": results,
                                     "mapper": "return"})

    def _send_voice(self, ctx: _Ctx) -> Reply:
        source = ctx.body.get("base64Ptt") or ctx.body.get("path")
        if not source:
            return self._json(ctx, 500, {"status": "Error", "message": "Erro ao enviar a mensagem.",
                                         "error": {}})
        targets = self._resolve_targets(ctx)
        if isinstance(targets, Reply):
            return targets
        if _bad_data_url(source):
            return self._json(ctx, 500, _engine_error("send_media", 500, ctx.body))
        media = _media_info(source, ctx.body.get("filename") or "Voice Audio", "")
        media["kind"] = "voice"
        results = [_ack_result(self._deliver(ctx, chat, media)) for chat in targets]
        return self._json(ctx, 201, {"status": "success", "response": results,
                                     "mapper": "return"})

    def _resolve_targets(self, ctx: _Ctx) -> list[str] | Reply:
        """statusConnection: each number is checked and replaced by the id that exists."""
        body = ctx.body
        contacts = _contact_to_array(body.get("phone") or [], bool(body.get("isGroup")),
                                     bool(body.get("isNewsletter")), bool(body.get("isLid")))
        resolved: list[str] = []
        for contact in contacts:
            if body.get("isGroup") or body.get("isNewsletter") or "@lid" in contact:
                resolved.append(contact)
                continue
            found = self._lookup(contact.split("@")[0])
            if found is None:
                number = contact.split("@")[0]
                return self._json(ctx, 400, {"response": None, "status": "Connected",
                                             "message": f"O número {number} não existe."})
            resolved.append(f"{found}@c.us")
        if not resolved:
            return _reply(400, b'"Error sending message"', "application/json; charset=utf-8")
        return list(dict.fromkeys(resolved))

    def _deliver(self, ctx: _Ctx, chat: str, content: dict[str, Any]) -> dict[str, Any]:
        """The message reaches WhatsApp: record it, keep it in the chat, echo it."""
        msg_id = _new_message_id()
        message = _serialize_message(msg_id=msg_id, chat=chat, me=self.me, from_me=True,
                                     text=content.get("text", ""), media=content)
        self._chats.setdefault(ctx.session, {}).setdefault(chat, []).append(message)
        self.delivered.append({"to": chat.split("@")[0], "chat_id": chat,
                               "session": ctx.session, "engine_message_id": msg_id,
                               "serialized": message["id"], **content})
        if content["kind"] != "text":
            self._record_media_send(MediaSend(
                to=chat.split("@")[0], kind=content["kind"], data=_decoded(content["base64"]),
                mimetype=content["mimetype"], filename=content["filename"],
                caption=content["caption"], voice=content["kind"] == "voice",
                engine_message_id=msg_id, url=content["url"]))
        client = ctx.client
        if self.self_messages:
            self._emit(client, "onselfmessage", dict(message))
        if self.auto_ack:
            for ack in (1, 2, 3):
                self._emit(client, "onack", _ack_body(message, ack))
        return message

    def _download_media(self, ctx: _Ctx) -> Reply:
        """download-media (sessionController.downloadMediaByMessage): `{base64, mimetype}`.

        Each failure answers 400: the message is not found (getMessageById throws) or
        its file cannot be fetched and decrypted (WhatsApp's servers dropped it).
        """
        found = self._find_media(ctx.session, ctx.body.get("messageId"))
        if isinstance(found, str):
            return self._json(ctx, 400, {"status": "error", "message": found, "error": {}})
        return self._json(ctx, 200, found)

    def _media_by_message(self, ctx: _Ctx) -> Reply:
        """get-media-by-message/<key>: the same file; its failures are 500s."""
        found = self._find_media(ctx.session, ctx.params["messageId"])
        if isinstance(found, str):
            return self._json(ctx, 500, {"status": "error",
                                         "message": "The session is not active", "error": {}})
        return self._json(ctx, 200, found)

    def _find_media(self, session: str, key: Any) -> dict[str, Any] | str:
        """The file of the message with this full key, or the server's word for why not."""
        message = next((m for chat in self._chats.get(session, {}).values() for m in chat
                        if isinstance(key, str) and m["id"] == key), None)
        if message is None:
            return DECRYPT_ERROR  # WPP.chat.getMessageById threw msg_not_found
        if message["type"] == "chat":
            return "Message does not contain media"
        stored = self.received_media.get(message["id"].split("_")[2])
        if stored is None or stored.gone:
            return DECRYPT_ERROR  # decryptFile could not fetch it from WhatsApp's servers
        return {"base64": _b64(stored.data), "mimetype": message.get("mimetype")}

    def _chat_messages(self, ctx: _Ctx) -> Reply:
        chat = _jid(ctx.params["phone"])
        messages = self._chats.get(ctx.session, {}).get(chat)
        if messages is None:
            # WPP.chat.getMessages throws for a chat WhatsApp Web does not hold;
            # the route answers that with a 401 of its own.
            return self._json(ctx, 401, {"status": "error", "response": "Error on open list",
                                         "error": {}})
        try:
            count = int(ctx.query.get("count", "20"))
        except ValueError:
            count = 20
        chosen = messages if count < 0 else messages[-count:] if count else []
        return self._json(ctx, 200, {"status": "success", "response": chosen})

    def _check_number_status(self, ctx: _Ctx) -> Reply:
        response: dict[str, Any] | None = None
        for contact in _contact_to_array(ctx.params["phone"], False, False, False):
            found = self._lookup(contact.split("@")[0])
            if found is None:
                response = {"id": contact, "isBusiness": False, "canReceiveMessage": False,
                            "numberExists": False, "status": 404}
            else:
                response = {"id": {"server": "c.us", "user": found,
                                   "_serialized": f"{found}@c.us"},
                            "isBusiness": False, "canReceiveMessage": True,
                            "numberExists": True, "status": 200}
        body: dict[str, Any] = {"status": "success"}
        if response is not None:
            body["response"] = response
        return self._json(ctx, 200, body)

    def _profile_pic(self, ctx: _Ctx) -> Reply:
        """The library's ProfilePicThumbObj; with no picture, `response` is left out."""
        wa_id = self._lookup(ctx.params["phone"].split("@")[0])
        body: dict[str, Any] = {"status": "success"}
        if wa_id and wa_id in self.pictures:
            url = self._picture_url(wa_id)
            body["response"] = {"eurl": url, "imgFull": url, "img": url + "?thumb=1",
                                "id": f"{wa_id}@c.us", "tag": str(len(self.pictures[wa_id]))}
        return self._json(ctx, 200, body)

    def _picture(self, path: str) -> Reply:
        with self._lock:
            picture = self.pictures.get(path.removeprefix("/pictures/").removesuffix(".png"))
        if picture is None:
            return _reply(404, b"", "text/plain")
        return _reply(200, picture, "image/png")

    def _lookup(self, digits: str) -> str | None:
        """Which WhatsApp id exists for these digits (the ninth-digit question)."""
        return whatsapp_id(self.registered, digits)

    # -- state changes -----------------------------------------------------------------

    def _materialize(self, name: str) -> _Session | None:
        """The server's entry for a session, creating the default one on first sight."""
        if name not in self._seen:
            self._seen.add(name)
            if self._default_state is not None:
                self._move(name, self._default_state, quiet=True)
        return self._clients.get(name)

    def _open(self, name: str, webhook: str | None, *,
              entry: _Session | None = None) -> _Session:
        """createSessionUtil: start unless already running (then nothing restarts)."""
        client = entry or self._clients.get(name)
        if client is None:
            client = self._clients[name] = _Session(key=name, name=name)
        if client.status is not None and client.status != "CLOSED":
            return client
        client.status = "INITIALIZING"
        if webhook is not None:
            client.webhook = webhook
        self._stored[name] = client.webhook
        if not self._launch_browser(name):
            return client  # "The browser is already running": create() throws, no new browser
        if not self.whatsapp_reachable:
            return client  # the page never loads: INITIALIZING for good, no webhook
        if self._logins.get(name, self.logged_in):
            self._emit(client, "status-find", {"status": "isLogged", "session": client.name})
            self._connect(client)
        else:
            self._emit(client, "status-find", {"status": "notLogged", "session": client.name})
            self._show_qr(client)
        return client

    def _move(self, name: str, state: str, *, quiet: bool = False) -> None:
        client = self._clients.get(name)
        if state in _LOGGED_OUT_ALIASES:
            self._forget(name)
            if client is not None and not quiet:
                self._emit(client, "status-find", {"status": "desconnectedMobile",
                                                   "session": client.name})
            return
        if state == "CLOSED":
            self._clients.pop(name, None)
            self._close_browsers(name)  # autoClose: the library closes its browser
            return
        if client is None:
            client = self._clients[name] = _Session(key=name, name=name)
        self._launch_browser(name)
        self._stored.setdefault(name, client.webhook)
        emit = not quiet
        if state == "CONNECTED":
            self._connect(client, emit=emit)
        elif state == "QRCODE":
            self._show_qr(client, emit=emit)
        else:
            client.status, client.qr_png, client.urlcode = state, None, None
            if state == "PHONECODE" and emit:
                self._emit(client, "phoneCode", {"phoneCode": "ABCD-1234", "phone": self.me,
                                                 "session": client.name})

    def _connect(self, client: _Session, *, emit: bool = True) -> None:
        client.status, client.qr_png, client.urlcode = "CONNECTED", None, None
        client.name = client.key  # the library's client carries the session name
        self._logins[client.key] = True
        if emit:
            self._emit(client, "status-find", {"status": "inChat", "session": client.name})

    def _show_qr(self, client: _Session, *, emit: bool = True) -> None:
        """A fresh QR code, different on every (re)start."""
        number = next(self._qr_counter)
        client.urlcode = f"2@{random_tokens.token_urlsafe(24)},{number},ponte-emulator,1"
        client.qr_png = qr_png(f"{client.urlcode}-{number}", "ponte wppconnect emulator qr")
        client.status = "QRCODE"
        if emit:
            self._emit(client, "qrcode", {"qrcode": _b64(client.qr_png),
                                          "urlcode": client.urlcode, "session": client.name})

    def _forget(self, name: str) -> None:
        """Logout: the session leaves memory, with its login, token file and browser."""
        self._clients.pop(name, None)
        self._stored.pop(name, None)
        self._logins[name] = False
        self._close_browsers(name)  # statusFind desconnectedMobile: client.close()
        self._wipe_profile(name)

    def _launch_browser(self, name: str) -> bool:
        """A browser on the session's profile folder, unless one already holds it."""
        generation = self._profiles.get(name, 0)
        if any(b.session == name and b.profile == generation for b in self._browsers):
            return False
        self._browsers.append(_Browser(name, generation))
        return True

    def _wipe_profile(self, name: str) -> None:
        """The profile folder is deleted: a browser still running no longer holds it."""
        self._profiles[name] = self._profiles.get(name, 0) + 1

    def _close_browsers(self, name: str) -> None:
        self._browsers = [b for b in self._browsers if b.session != name]

    # -- answers -----------------------------------------------------------------------

    def _json(self, ctx: _Ctx, status: int, body: Any) -> Reply:
        if ctx.json_request and isinstance(body, dict) and not body.get("session"):
            # src/index.ts: `data.session = req.client ? req.client.session : ''`.
            body = dict(body)
            body.pop("session", None)
            client = ctx.client
            if client is None:
                body["session"] = ""
            elif isinstance(client, _Session) and client.name is not None:
                body["session"] = client.name
        return _reply(status, _dumps(body), "application/json; charset=utf-8")

    def _failure(self, failure: Failure, request: RecordedRequest) -> Reply:
        """A gateway status comes from the proxy in front; others as the route's own error."""
        if failure.status in GATEWAY_REASONS and failure.body is None:
            return _reply(failure.status, gateway_page(failure.status), "text/html",
                          {"Server": "nginx"})
        found = _match(request.method, request.path)
        ctx = _context(request, found[1] if found else {})
        body = failure.body if failure.body is not None else _engine_error(
            request.operation, failure.status, ctx.body)
        if isinstance(body, str):
            return _reply(failure.status, body.encode(), "text/html; charset=utf-8")
        if failure.status != 401 and "session" in ctx.params:
            with self._lock:
                ctx.client = self._clients.get(ctx.params["session"].split(":")[0])
        return self._json(ctx, failure.status, body)

    # -- webhooks ----------------------------------------------------------------------

    def _emit(self, client: _Session | None, event: str, data: dict[str, Any]) -> None:
        """callWebHook: `{event, session, ...data}` to the session's webhook, if any."""
        if client is None or not client.webhook:
            return
        body: dict[str, Any] = {"event": event, "session": client.name, **data}
        if body["session"] is None:  # a session reset by close-session has no name
            del body["session"]
        self._queue_webhook(client.webhook, body)

    def _webhook_destination(self, body: Any) -> tuple[str | None, dict[str, str]]:
        session = body.get("session") if isinstance(body, dict) else None
        return self.webhook_url(session if isinstance(session, str) else None), {}

    def _encode_webhook(self, body: Any) -> tuple[bytes, dict[str, str]]:
        return _dumps(body), {"Accept": "application/json, text/plain, */*",
                              "Content-Type": "application/json",
                              "User-Agent": "axios/1.19.0"}

    @staticmethod
    def _check_state(state: str) -> str:
        if state in STATES or state in _LOGGED_OUT_ALIASES:
            return state
        raise ValueError(f"unknown WPPConnect state {state!r}")


# -- Express's side -----------------------------------------------------------------------


def _match(method: str, path: str) -> tuple[_Route, dict[str, str]] | None:
    """Express's router: the first route whose method and segments fit."""
    if not path.startswith("/api/"):
        return None
    segments = [unquote(part) for part in path[len("/api/"):].split("/")]
    for route in _ROUTES:
        if route.method != method or len(route.pattern) != len(segments):
            continue
        params: dict[str, str] = {}
        for expected, actual in zip(route.pattern, segments, strict=True):
            if expected.startswith("{"):
                if not actual:
                    break
                params[expected[1:-1]] = actual
            elif expected != actual:
                break
        else:
            return route, params
    return None


def _parse_body(request: RecordedRequest) -> tuple[Any, Reply | None]:
    """express.json(): JSON bodies only; a broken one is a 400 HTML page."""
    content_type = request.headers.get("content-type", "")
    if not request.raw or "json" not in content_type.split(";")[0]:
        return None, None
    try:
        return json.loads(request.raw), None
    except ValueError as exc:
        page = f"<pre>SyntaxError: {_escape(str(exc))}</pre>"
        return None, _reply(400, _html_page("Error", page), "text/html; charset=utf-8")


def _context(request: RecordedRequest, params: dict[str, str]) -> _Ctx:
    body, _ = _parse_body(request)
    return _Ctx(request.method, request.path, request.query, request.headers,
                body if isinstance(body, dict) else {}, params,
                request.headers.get("content-type") == "application/json")


def _reply(status: int, body: bytes, content_type: str,
           headers: Mapping[str, str] | None = None) -> Reply:
    """An answer with the headers Express and the server's CORS setup add to every one."""
    return Reply(status, body, {"X-Powered-By": "Express", "Access-Control-Allow-Origin": "*",
                                "Content-Type": content_type, **(headers or {})})


def _express_404(method: str, target: str) -> Reply:
    page = f"<pre>Cannot {method} {_escape(target)}</pre>"
    return _reply(404, _html_page("Error", page), "text/html; charset=utf-8",
                  {"Content-Security-Policy": "default-src 'none'",
                   "X-Content-Type-Options": "nosniff"})


def _html_page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n").encode()


def _engine_error(operation: str | None, status: int, body: Any) -> Any:
    """The body the engine itself gives for a failure of this kind on this route."""
    if status == 401:
        return {"error": TOKEN_WRONG}
    if status == 404:
        return {"response": None, "status": "Disconnected", "message": NOT_ACTIVE}
    if status == 400 and operation == "download_media":
        return {"status": "error", "message": DECRYPT_ERROR, "error": {}}
    if status == 400 and operation == "token":
        return {"response": False, "message": "The SECRET_KEY is incorrect"}
    if status == 400 and operation in ("send_text", "send_media"):
        phone = body.get("phone") if isinstance(body, dict) else None
        return {"response": None, "status": "Connected",
                "message": f"O número {phone or ''} não existe."}
    messages = {
        "send_text": {"status": "Error", "message": "Erro ao enviar a mensagem.", "error": {}},
        "send_media": {"status": "Error", "message": "Erro ao enviar a mensagem.", "error": {}},
        "check_number": {"status": "error", "message": "Error on check number status",
                         "error": {}},
        "status": {"status": "error", "message": "The session is not active", "error": {}},
        "qrcode": {"status": "error", "message": "Error retrieving QRCode", "error": {}},
        "close": {"status": False, "message": "Error closing session", "error": {}},
        "logout": {"status": False, "message": "Error closing session", "error": {}},
        "recent_messages": {"status": "error", "response": "Error on open list", "error": {}},
        "token": {"response": False, "message": "Error generating token", "error": {}},
    }
    return messages.get(operation, {"status": "error", "message": "Internal Server Error"})


# -- payload shapes ------------------------------------------------------------------------


def _contact_to_array(phone: Any, is_group: bool, is_newsletter: bool,
                      is_lid: bool) -> list[str]:
    """The server's contactToArray: digits only, with the suffix the flags ask for."""
    items = phone if isinstance(phone, list) else re.split(r"\s*[,;]\s*", str(phone))
    contacts = []
    for item in items:
        contact = str(item).split("@")[0]
        if not (is_group or is_newsletter):
            contact = re.sub(r"[^\w ]", "", contact)
        if not contact:
            continue
        if is_group:
            contacts.append(f"{contact}@g.us")
        elif is_newsletter:
            contacts.append(f"{contact}@newsletter")
        elif is_lid or len(contact) > 14:
            contacts.append(f"{contact}@lid")
        else:
            contacts.append(f"{contact}@c.us")
    return contacts


def _is_connected(client: Any) -> bool:
    return isinstance(client, _Session) and client.status == "CONNECTED"


def _jid(raw: str) -> str:
    return raw if "@" in raw else f"{raw}@c.us"


def _new_message_id() -> str:
    """WhatsApp Web's ids for messages it sends: 3EB0 and 18 hex digits."""
    return "3EB0" + random_tokens.token_hex(9).upper()


def _serialize_message(*, msg_id: str, chat: str, me: str, from_me: bool, text: str,
                       media: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The library's serialized Message, as send-message answers and webhooks carry it."""
    now = int(time.time())
    own = f"{me}@c.us"
    kind = (media or {}).get("kind", "text")
    wa_type = _WA_TYPES.get(kind, "chat")
    body = text if wa_type == "chat" else (media or {}).get("base64", "")
    message: dict[str, Any] = {
        "id": f"{'true' if from_me else 'false'}_{chat}_{msg_id}",
        "viewed": False, "body": body, "type": wa_type, "t": now,
        "notifyName": "Operador" if from_me else "Cliente",
        "from": own if from_me else chat, "to": chat if from_me else own,
        "ack": 1, "invis": False, "isNewMsg": True, "star": False, "kicNotified": False,
        "recvFresh": True, "isFromTemplate": False, "mentionedJidList": [],
        "groupMentions": [], "isForwarded": False, "labels": [], "hasReaction": False,
    }
    if wa_type != "chat":
        message.update({"mimetype": media.get("mimetype"), "size": media.get("size"),
                        "filename": media.get("filename"), "caption": media.get("caption", "")})
    sender_id = own if from_me else chat
    message.update({
        "chatId": chat, "fromMe": from_me,
        "sender": {"id": sender_id, "pushname": message["notifyName"], "type": "in",
                   "isBusiness": False, "isEnterprise": False, "labels": [],
                   "formattedName": "Você" if from_me else message["notifyName"],
                   "isMe": from_me, "isMyContact": from_me, "isPSA": False, "isUser": True,
                   "isWAContact": True, "profilePicThumbObj": None, "msgs": None},
        "timestamp": now, "content": body, "isGroupMsg": chat.endswith("@g.us"),
        "mediaData": {},
    })
    return message


def _ack_result(message: Mapping[str, Any]) -> dict[str, Any]:
    """What the library's sendFile / sendPtt return: only `{ack, id}`."""
    return {"ack": message["ack"], "id": message["id"]}


def _ack_body(message: Mapping[str, Any], ack: int) -> dict[str, Any]:
    """onack: the raw WhatsApp `Msg` model, its `id` an object."""
    serialized = message["id"]
    from_me, remote, msg_id = serialized.split("_", 2)
    return {
        "id": {"fromMe": from_me == "true", "remote": remote, "id": msg_id,
               "_serialized": serialized},
        "body": message["body"], "type": message["type"], "t": message["t"],
        "notifyName": "", "from": message["from"], "to": message["to"],
        "self": "out" if from_me == "true" else "in", "ack": ack, "invis": False,
        "isNewMsg": True, "star": False, "recvFresh": True, "isFromTemplate": False,
        "broadcast": False, "mentionedJidList": [], "isVcardOverMmsDocument": False,
        "isForwarded": False, "labels": [], "isDynamicReplyButtonsMsg": False,
    }


def _media_info(source: str, filename: str, caption: str) -> dict[str, Any]:
    """What a media send carried: a data URL's type and size, or the URL to fetch."""
    if source.startswith("data:") and "," in source:
        header, payload = source.split(",", 1)
        try:
            size = len(base64.b64decode(payload, validate=False))
        except ValueError:
            size = None
        return {"mimetype": header[5:].removesuffix(";base64") or None, "size": size, "url": None,
                "base64": payload, "filename": filename, "caption": caption}
    if source.startswith(("http://", "https://")):
        return {"mimetype": None, "size": None, "url": source, "base64": "",
                "filename": filename, "caption": caption}
    return {"mimetype": None, "size": len(source) * 3 // 4, "url": None, "base64": source,
            "filename": filename, "caption": caption}


def _bad_data_url(source: Any) -> bool:
    """A data URL wa-js refuses ('invalid_data_url'): the send fails with the route's 500."""
    return isinstance(source, str) and source.startswith("data:") \
        and _DATA_URL.match(source) is None


def _file_kind(options: Mapping[str, Any], mimetype: str | None) -> str:
    """wa-js's sendFileMessage: `options.type`, or auto-detect from the mimetype."""
    asked = options.get("type")
    if isinstance(asked, str) and asked in _FILE_TYPES:
        return asked
    major = (mimetype or "").split("/")[0]
    return major if major in ("image", "video", "audio") else "document"


def _decoded(payload: str) -> bytes | None:
    if not payload:
        return None
    try:
        return base64.b64decode(payload)
    except ValueError:
        return None


def _b64(data: bytes | None) -> str:
    return base64.b64encode(data or b"").decode()


def _data_url(png: bytes | None) -> str | None:
    return f"data:image/png;base64,{_b64(png)}" if png else None


def _dumps(body: Any) -> bytes:
    """JSON as Express writes it: compact, UTF-8."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
