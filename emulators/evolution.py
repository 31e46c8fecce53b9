"""Evolution API v2, emulated on loopback for tests.

The real engine needs a phone and WhatsApp's servers, so tests talk to this
instead. It answers the paths, status codes and bodies that
`fixtures/evolution/rest.*.json` show (`SOURCES.md` there names the
Evolution code each shape comes from), checks the `apikey` header in the order
Evolution's guards do (instance exists, then key), and posts webhooks back in
Evolution's own envelope from a background thread.

Tests script it: errors a reverse proxy would answer (504) without delivering,
answers that hang after the message went out, session states, which apikeys
work, which numbers exist on WhatsApp. Operation names for scripting:
send_text, send_media, check_number, status, start, qrcode, close, logout,
token (the apikey check every request goes through), webhook, recent_messages,
create. `GET /instance/connect` is both `start` and `qrcode` (Evolution has one
path for both); `POST /instance/restart` is `close`.
"""

import base64
import binascii
import json
import queue
import re
import secrets as token_source
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, unquote

from emulators.base import ninth_digit_twins, qr_png

Json = dict[str, Any]
State = Literal["open", "connecting", "close"]

DEFAULT_APIKEY = "emulator-global-apikey"
OPERATIONS = frozenset({
    "send_text", "send_media", "check_number", "status", "start", "qrcode", "close", "logout",
    "token", "webhook", "recent_messages", "create", "profile_picture",
})

# Close codes after which Evolution does not reconnect by itself and says so in a
# connection.update webhook (connection.update-close.json); other closes reconnect
# silently.
FINAL_CLOSE_CODES = frozenset({401, 402, 403, 406, 408})
LOGGED_OUT = 401
CONNECTION_CLOSED = 428

# `EventController.events`: the names webhook/set accepts.
WEBHOOK_EVENTS = (
    "APPLICATION_STARTUP", "QRCODE_UPDATED", "MESSAGES_SET", "MESSAGES_UPSERT",
    "MESSAGES_EDITED", "MESSAGES_UPDATE", "MESSAGES_DELETE", "SEND_MESSAGE",
    "SEND_MESSAGE_UPDATE", "CONTACTS_SET", "CONTACTS_UPSERT", "CONTACTS_UPDATE",
    "PRESENCE_UPDATE", "CHATS_SET", "CHATS_UPSERT", "CHATS_UPDATE", "CHATS_DELETE",
    "GROUPS_UPSERT", "GROUP_UPDATE", "GROUP_PARTICIPANTS_UPDATE", "CONNECTION_UPDATE",
    "LABELS_EDIT", "LABELS_ASSOCIATION", "CALL", "TYPEBOT_START", "TYPEBOT_CHANGE_STATUS",
    "REMOVE_INSTANCE", "LOGOUT_INSTANCE", "INSTANCE_CREATE", "INSTANCE_DELETE",
    "STATUS_INSTANCE",
)
MEDIA_TYPES = ("image", "document", "video", "audio", "ptv")

# What nginx answers when the engine behind it is down or too slow.
PROXY_TITLES = {502: "Bad Gateway", 503: "Service Temporarily Unavailable",
                504: "Gateway Time-out"}
DEFAULT_MESSAGES = {400: "Bad Request", 403: "Forbidden", 404: "Not Found",
                    500: "Error: Connection Closed"}

JID_SUFFIX = "@s.whatsapp.net"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it reached the emulator (headers with lower-case names)."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any


@dataclass(frozen=True)
class _Fail:
    status: int


@dataclass(frozen=True)
class _Hang:
    seconds: float
    deliver: bool


@dataclass(frozen=True)
class _Answer:
    status: int
    body: Any
    html: bool = False  # proxy error pages are HTML, not JSON


@dataclass
class _Instance:
    name: str
    instance_id: str
    token: str | None  # the instance's own apikey, when it was created with one
    state: str = "close"
    logged_in: bool = False
    wuid: str | None = None  # the owner's JID, known once the session first opened
    qr: Json | None = None
    qr_count: int = 0
    disconnection_code: int | None = None
    disconnection_at: str | None = None
    webhook: Json | None = None
    messages: list[Json] = field(default_factory=list)
    settings: Json = field(default_factory=dict)
    created_at: str = ""


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    operations: tuple[str, ...]
    handler: str
    per_instance: bool = True


def _route(method: str, prefix: str, operations: tuple[str, ...], handler: str) -> _Route:
    return _Route(method, re.compile(rf"^/{prefix}/(?P<name>[^/]+)/?$"), operations, handler)


ROUTES = (
    _Route("POST", re.compile(r"^/instance/create/?$"), ("create",), "_create", False),
    _Route("GET", re.compile(r"^/instance/fetchInstances/?$"), ("status",), "_fetch_instances",
           False),
    _route("GET", "instance/connect", ("start", "qrcode"), "_connect"),
    _route("GET", "instance/connectionState", ("status",), "_connection_state"),
    _route("POST", "instance/restart", ("close",), "_restart"),
    _route("DELETE", "instance/logout", ("logout",), "_logout"),
    _route("POST", "message/sendText", ("send_text",), "_send_text"),
    _route("POST", "message/sendMedia", ("send_media",), "_send_media"),
    _route("POST", "message/sendWhatsAppAudio", ("send_media",), "_send_audio"),
    _route("POST", "chat/whatsappNumbers", ("check_number",), "_whatsapp_numbers"),
    _route("POST", "chat/findMessages", ("recent_messages",), "_find_messages"),
    _route("POST", "chat/fetchProfilePictureUrl", ("profile_picture",),
           "_fetch_profile_picture"),
    _route("POST", "webhook/set", ("webhook",), "_webhook_set"),
    _route("GET", "webhook/find", ("webhook",), "_webhook_find"),
)


class Emulator:
    """An Evolution API v2 server for one WhatsApp number (instance), on 127.0.0.1.

    `secrets` are the apikeys it accepts (they act as the global key); a started
    instance is `open` (paired) unless `state` says otherwise. `registered` is
    what the number check finds: None means every number exists as given; a
    collection lists the WhatsApp ids that exist, found across Brazil's ninth
    digit as Evolution does; a mapping gives each asked number its id (None: not
    on WhatsApp).
    """

    def __init__(self, secrets: Iterable[str] = (DEFAULT_APIKEY,),
                 instance: str | None = "crm-main", *, state: State = "open",
                 latency: float = 0.0, auto_ack: bool = False,
                 registered: Iterable[str] | Mapping[str, str | None] | None = None,
                 owner: str = "5511987654321", profile_name: str = "Loja Exemplo",
                 webhook_url: str | None = None, expose_apikey: bool = True,
                 qrcode_limit: int = 30, webhook_timeout: float = 5.0, port: int = 0) -> None:
        self._lock = threading.RLock()
        self._accepted: tuple[str, ...] = tuple(secrets)
        self._registered = _freeze_registry(registered)
        self.latency = latency
        self.auto_ack = auto_ack
        self.owner = owner
        self.profile_name = profile_name
        # With AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES=true (Evolution's default) every
        # webhook carries the instance's apikey; False sends null as Evolution then does.
        self.expose_apikey = expose_apikey
        self.qrcode_limit = qrcode_limit
        self.webhook_timeout = webhook_timeout
        self.pictures: dict[str, str] = {}  # WhatsApp id -> profile picture URL
        self.requests: list[RecordedRequest] = []
        self.delivered: list[Json] = []
        self.webhooks: list[Json] = []  # every post attempt: url, body, status, error
        self._scripts: dict[str, deque[_Fail | _Hang]] = {op: deque() for op in OPERATIONS}
        self._instances: dict[str, _Instance] = {}
        self._default_name = instance
        self._qr_serial = 0
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._stopped = threading.Event()
        self._outbox: queue.Queue[tuple[str, Json, dict[str, str]] | None] = queue.Queue()
        self._poster: threading.Thread | None = None
        self._pending = 0
        self._idle = threading.Condition(self._lock)
        if instance is not None:
            inst = self._add_instance(instance, token=None)
            if webhook_url:
                inst.webhook = _webhook_record(inst, {"enabled": True, "url": webhook_url})
            # Starting `close` or `connecting` means never paired: no close code yet.
            if state != "close":
                self._apply_state(inst, state, logged_out=False, status_reason=None,
                                  notify=False)

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> "Emulator":
        """Listen on 127.0.0.1 (the same port as before when it is still free)."""
        with self._lock:
            if self._server is not None:
                return self
            server = self._bind()
            self._server = server
            self._port = server.server_address[1]
            self._stopped.clear()
            self._start_poster()
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         name="evolution-emulator", daemon=True).start()
        return self

    def stop(self) -> None:
        """Close the listening socket: from now on connections are refused."""
        with self._lock:
            server, self._server = self._server, None
            self._stopped.set()  # wakes answers that are hanging
            poster, self._poster = self._poster, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if poster is not None:
            self._outbox.put(None)
            poster.join(timeout=self.webhook_timeout + 1)

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def instance(self) -> str:
        """The name of the instance the scripting methods act on."""
        return self._default().name

    def _bind(self) -> ThreadingHTTPServer:
        for port in dict.fromkeys((self._port, 0)):
            try:
                server = _Server(("127.0.0.1", port), _Handler)
            except OSError:
                continue
            server.emulator = self
            return server
        raise OSError("no free loopback port")

    # --- scripting ---------------------------------------------------------------------

    @property
    def accepted_secrets(self) -> tuple[str, ...]:
        with self._lock:
            return self._accepted

    @accepted_secrets.setter
    def accepted_secrets(self, secrets: Iterable[str]) -> None:
        with self._lock:
            self._accepted = tuple(secrets)

    @property
    def registered(self) -> frozenset[str] | dict[str, str | None] | None:
        with self._lock:
            return self._registered

    @registered.setter
    def registered(self, value: Iterable[str] | Mapping[str, str | None] | None) -> None:
        with self._lock:
            self._registered = _freeze_registry(value)

    def fail_next(self, operation: str, status: int = 504, times: int = 1) -> None:
        """Answer the next `times` calls of `operation` with `status`, delivering nothing.

        502/503/504 come as a reverse proxy's HTML page; other statuses in
        Evolution's `{status, error, response: {message}}` shape.
        """
        self._script(operation, [_Fail(status)] * times)

    def hang_next(self, operation: str, seconds: float, deliver: bool = True) -> None:
        """Hold the next answer of `operation` for `seconds`.

        deliver=True: the call takes effect first (the message reaches WhatsApp),
        so a client that gives up meanwhile does not know it went out.
        deliver=False: nothing happens, and after the wait a proxy answers 504.
        """
        self._script(operation, [_Hang(seconds, deliver)])

    def set_picture(self, wa_id: str, url: str | None = None) -> str:
        """Give a person a profile picture; its URL (WhatsApp's CDN form unless given)."""
        url = url or f"https://pps.whatsapp.net/v/t61.24694-24/{wa_id}_n.jpg?ccb=11-4&oe=0"
        with self._lock:
            self.pictures[wa_id] = url
        return url

    def set_state(self, state: State, *, logged_out: bool = False,
                  status_reason: int | None = None, notify: bool = True) -> None:
        """Move the session as WhatsApp would, posting Evolution's webhooks for it.

        open: paired and connected. connecting: reconnecting, or showing a QR code
        when not paired. close with logged_out=True: the phone dropped this device
        (statusReason 401 unless given); close without: a drop Evolution would
        reconnect from (428), which it reports by no webhook.
        """
        with self._lock:
            self._apply_state(self._default(), state, logged_out=logged_out,
                              status_reason=status_reason, notify=notify)

    def scan_qr(self) -> None:
        """The phone scans the QR code: the session opens."""
        self.set_state("open")

    def rotate_qr(self) -> None:
        """WhatsApp refreshes the QR code (every ~20 s on a real server)."""
        with self._lock:
            inst = self._default()
            if inst.state == "connecting" and not inst.logged_in:
                self._next_qr(inst)

    @property
    def state(self) -> str:
        with self._lock:
            return self._default().state

    @property
    def logged_in(self) -> bool:
        with self._lock:
            return self._default().logged_in

    @property
    def qr(self) -> Json | None:
        """The QR code on show: {pairingCode, code, base64}, or None."""
        with self._lock:
            inst = self._default()
            return dict(inst.qr) if inst.qr else None

    def post_webhook(self, body: Json, url: str | None = None) -> None:
        """Post any payload to the configured webhook (or `url`), as Evolution would."""
        with self._lock:
            hook = self._default().webhook or {}
            target = url or hook.get("url")
            if not target:
                raise ValueError("no webhook configured")
            self._enqueue(target, body, dict(hook.get("headers") or {}))

    def receive_text(self, number: str, text: str, push_name: str = "Cliente") -> str:
        """A customer writes to the shop: stored, and posted as messages.upsert."""
        with self._lock:
            inst = self._default()
            jid = _digits(number) + JID_SUFFIX
            record = {
                "key": {"remoteJid": jid, "fromMe": False, "id": "3A" + _hex(18)},
                "pushName": push_name, "status": "DELIVERY_ACK",
                "message": {"conversation": text}, "messageType": "conversation",
                "messageTimestamp": int(time.time()), "instanceId": inst.instance_id,
                "source": "ios",
            }
            self._store(inst, record)
            self._emit(inst, "messages.upsert", record)
            return record["key"]["id"]

    def wait_for_webhooks(self, timeout: float = 2.0) -> bool:
        """Block until every queued webhook was posted (or failed); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def _script(self, operation: str, actions: list[_Fail | _Hang]) -> None:
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; one of {sorted(OPERATIONS)}")
        with self._lock:
            self._scripts[operation].extend(actions)

    def _take(self, operations: tuple[str, ...]) -> _Fail | _Hang | None:
        with self._lock:
            for operation in operations:
                if self._scripts[operation]:
                    return self._scripts[operation].popleft()
        return None

    # --- one request -------------------------------------------------------------------

    def _answer(self, method: str, raw_path: str, headers: dict[str, str], body: Any,
                bad_json: bool) -> _Answer:
        """Evolution's middleware order: proxy, route, instance guard, apikey, validation."""
        with self._lock:
            self.requests.append(RecordedRequest(method, raw_path, headers, body))
        self._pause(self.latency)
        path, _, query = raw_path.partition("?")
        found = _match(method, path)
        if found is None:
            return _Answer(404, {"status": 404, "message": f"Cannot {method} {raw_path}",
                                 "error": "Not Found"})
        route, name = found
        action = self._take(route.operations)
        if isinstance(action, _Fail):
            return _error(action.status)
        if isinstance(action, _Hang) and not action.deliver:
            self._pause(action.seconds)
            return _error(504)
        answer = self._guarded(route, name, headers, body, bad_json, parse_qs(query))
        if isinstance(action, _Hang):
            self._pause(action.seconds)
        return answer

    def _guarded(self, route: _Route, name: str | None, headers: dict[str, str], body: Any,
                 bad_json: bool, query: dict[str, list[str]]) -> _Answer:
        with self._lock:
            inst = None
            if route.per_instance:
                inst = self._instances.get(name or "")
                if inst is None:
                    return _error(404, [f'The "{name}" instance does not exist'])
        refused = self._check_apikey(headers.get("apikey"), inst)
        if refused is not None:
            return refused
        if bad_json:
            return _error(400, ["Unexpected token in JSON body"])
        handler: Callable[..., _Answer] = getattr(self, route.handler)
        with self._lock:
            return handler(inst, body, query)

    def _check_apikey(self, key: str | None, inst: _Instance | None) -> _Answer | None:
        """`authGuard.apikey`: the global key, or this instance's own token."""
        action = self._take(("token",))
        if isinstance(action, _Fail):
            return _error(action.status)
        if isinstance(action, _Hang):
            self._pause(action.seconds)
            if not action.deliver:
                return _error(504)
        with self._lock:
            if key and (key in self._accepted or (inst is not None and key == inst.token)):
                return None
        return _error(401)

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self._stopped.wait(seconds)

    # --- instance routes ---------------------------------------------------------------

    def _create(self, _: None, body: Any, query: Any) -> _Answer:
        """POST /instance/create (InstanceController.createInstance)."""
        problems = _missing(body, "instanceName")
        if problems:
            return _error(400, problems)
        name = str(body["instanceName"])
        if name in self._instances:
            return _error(403, [f'This name "{name}" is already in use.'])
        token = str(body.get("token") or str(uuid.uuid4()).upper())
        inst = self._add_instance(name, token=token)
        hook = body.get("webhook") if isinstance(body.get("webhook"), dict) else {}
        if hook.get("url"):
            inst.webhook = _webhook_record(inst, {**hook, "enabled": True})
        inst.settings = {
            "rejectCall": bool(body.get("rejectCall", False)), "msgCall": body.get("msgCall", ""),
            "groupsIgnore": bool(body.get("groupsIgnore", False)),
            "alwaysOnline": bool(body.get("alwaysOnline", False)),
            "readMessages": bool(body.get("readMessages", False)),
            "readStatus": bool(body.get("readStatus", False)),
            "syncFullHistory": bool(body.get("syncFullHistory", False)), "wavoipToken": "",
        }
        if body.get("qrcode"):
            self._begin_connecting(inst)
        answer: Json = {
            "instance": {"instanceName": name, "instanceId": inst.instance_id,
                         "integration": body.get("integration", "WHATSAPP-BAILEYS"),
                         "webhookWaBusiness": None, "accessTokenWaBusiness": "",
                         "status": inst.state},
            "hash": token,
            "webhook": {"webhookUrl": hook.get("url"), "webhookHeaders": hook.get("headers"),
                        "webhookByEvents": hook.get("byEvents"),
                        "webhookBase64": hook.get("base64")},
            "websocket": {}, "rabbitmq": {}, "nats": {}, "sqs": {},
            "settings": inst.settings,
        }
        if body.get("qrcode"):
            answer["qrcode"] = self._qr_answer(inst)
        return _Answer(201, _drop_none_values(answer))

    def _fetch_instances(self, _: None, body: Any, query: dict[str, list[str]]) -> _Answer:
        """GET /instance/fetchInstances: the records, with the last close's reason code."""
        wanted = (query.get("instanceName") or [None])[0]
        chosen = [i for i in self._instances.values() if wanted in (None, i.name)]
        if wanted and not chosen:
            return _error(404, [f'Instance "{wanted}" not found'])
        return _Answer(200, [self._instance_record(i) for i in chosen])

    def _connect(self, inst: _Instance, body: Any, query: Any) -> _Answer:
        """GET /instance/connect (InstanceController.connectToWhatsapp)."""
        if inst.state == "open":
            return _Answer(200, {"instance": {"instanceName": inst.name, "state": "open"}})
        if inst.state == "close":
            self._begin_connecting(inst)
        return _Answer(200, self._qr_answer(inst))

    def _connection_state(self, inst: _Instance, body: Any, query: Any) -> _Answer:
        return _Answer(200, {"instance": {"instanceName": inst.name, "state": inst.state}})

    def _restart(self, inst: _Instance, body: Any, query: Any) -> _Answer:
        """POST /instance/restart: drop the socket and reconnect with the same pairing.

        Errors inside the controller come back as 200 `{error: true, message}`.
        """
        if inst.state == "close":
            return _Answer(200, {"error": True,
                                 "message": f'The "{inst.name}" instance is not connected'})
        if inst.logged_in:
            self._emit_connection(inst, "connecting", 200)
            self._open(inst)
        else:
            inst.qr_count = 0
            self._next_qr(inst)
        return _Answer(200, {"instance": {"instanceName": inst.name, "status": inst.state}})

    def _logout(self, inst: _Instance, body: Any, query: Any) -> _Answer:
        """DELETE /instance/logout: unpair; the instance stays, `close`, code 401."""
        if inst.state == "close":
            return _error(400, [f'The "{inst.name}" instance is not connected'])
        self._apply_state(inst, "close", logged_out=True, status_reason=LOGGED_OUT, notify=True)
        return _Answer(200, {"status": "SUCCESS", "error": False,
                             "response": {"message": "Instance logged out"}})

    # --- message routes ----------------------------------------------------------------

    def _send_text(self, inst: _Instance, body: Any, query: Any) -> _Answer:
        """POST /message/sendText (sendMessageWithTyping)."""
        problems = _missing(body, "number", "text")
        if problems:
            return _error(400, problems)
        return self._deliver(inst, body, "conversation", {"conversation": body["text"]},
                             {"kind": "text", "text": body["text"]})

    def _send_media(self, inst: _Instance, body: Any, query: Any) -> _Answer:
        """POST /message/sendMedia: media is a URL or bare base64."""
        problems = _missing(body, "number", "mediatype", "media")
        if problems:
            return _error(400, problems)
        kind = body["mediatype"]
        if kind not in MEDIA_TYPES:
            return _error(400, [f"mediatype is not one of enum values: {','.join(MEDIA_TYPES)}"])
        source = _media_source(body["media"])
        if source is None:
            return _error(400, ["Owned media must be a url or base64"])
        mimetype = body.get("mimetype") or _default_mimetype(kind)
        content: Json = {"url": _cdn_url(), "mimetype": mimetype, "fileLength": source[1]}
        if body.get("caption"):
            content["caption"] = body["caption"]
        if kind == "document":
            content["fileName"] = body.get("fileName") or "file"
        field_name = f"{kind}Message"
        info = {"kind": kind, "caption": body.get("caption", ""), "mimetype": mimetype,
                "fileName": body.get("fileName"), "source": source[0], "size": source[1]}
        return self._deliver(inst, body, field_name, {field_name: content}, info)

    def _send_audio(self, inst: _Instance, body: Any, query: Any) -> _Answer:
        """POST /message/sendWhatsAppAudio: a voice note, converted to OGG/Opus."""
        problems = _missing(body, "number", "audio")
        if problems:
            return _error(400, problems)
        source = _media_source(body["audio"])
        if source is None:
            return _error(400, ["Owned media must be a url or base64"])
        content = {"url": _cdn_url(), "mimetype": "audio/ogg; codecs=opus",
                   "fileLength": source[1], "seconds": 1, "ptt": True}
        info = {"kind": "voice", "mimetype": content["mimetype"], "source": source[0],
                "size": source[1]}
        return self._deliver(inst, body, "audioMessage", {"audioMessage": content}, info)

    def _deliver(self, inst: _Instance, body: Json, message_type: str, message: Json,
                 info: Json) -> _Answer:
        """Check the number as Evolution does before sending, then send and echo it."""
        if inst.state != "open":
            return _error(500, ["Error: Connection Closed"])
        number = _digits(str(body["number"]))
        exists, wa_id = self._resolve(number)
        if not exists:
            return _error(400, [{"jid": number + JID_SUFFIX, "exists": False, "number": number}])
        jid = wa_id + JID_SUFFIX
        record = {
            "key": {"remoteJid": jid, "fromMe": True, "id": "3EB0" + _hex(18)},
            "pushName": "Você", "status": "PENDING", "message": message,
            "messageType": message_type, "messageTimestamp": int(time.time()),
            "instanceId": inst.instance_id, "source": "web",
        }
        stored = self._store(inst, record)
        self.delivered.append({"to": wa_id, "jid": jid, **info,
                               "engine_message_id": record["key"]["id"],
                               "instance": inst.name})
        self._emit(inst, "send.message", record)
        if self.auto_ack:
            for status in ("DELIVERY_ACK", "READ"):
                self._emit(inst, "messages.update", {
                    "keyId": record["key"]["id"], "remoteJid": jid, "fromMe": True,
                    "participant": jid, "status": status, "instanceId": inst.instance_id,
                    "messageId": stored["id"]})
        return _Answer(201, record)

    def _whatsapp_numbers(self, inst: _Instance, body: Any, query: Any) -> _Answer:
        """POST /chat/whatsappNumbers: which id exists for each number asked."""
        problems = _missing(body, "numbers")
        if problems:
            return _error(400, problems)
        if not isinstance(body["numbers"], list):
            return _error(400, ["numbers is not of a type(s) array"])
        if inst.state != "open":
            return _error(500, ["Error: Connection Closed"])
        answers = []
        for raw in body["numbers"]:
            number = _digits(str(raw))
            exists, wa_id = self._resolve(number)
            answers.append({"jid": (wa_id if exists else number) + JID_SUFFIX,
                            "exists": exists, "number": number})
        return _Answer(200, answers)

    def _fetch_profile_picture(self, inst: _Instance, body: Any, query: Any) -> _Answer:
        """POST /chat/fetchProfilePictureUrl: a CDN URL, or null when there is none."""
        problems = _missing(body, "number")
        if problems:
            return _error(400, problems)
        if inst.state != "open":
            return _error(500, ["Error: Connection Closed"])
        exists, wa_id = self._resolve(_digits(str(body["number"])))
        return _Answer(200, {"wuid": wa_id + JID_SUFFIX,
                             "profilePictureUrl": self.pictures.get(wa_id) if exists else None})

    def _find_messages(self, inst: _Instance, body: Any, query: Any) -> _Answer:
        """POST /chat/findMessages: newest first, `offset` records a page."""
        body = body if isinstance(body, dict) else {}
        where = body.get("where") if isinstance(body.get("where"), dict) else {}
        key = where.get("key") if isinstance(where.get("key"), dict) else {}
        found = [m for m in inst.messages if _matches(m["key"], key)]
        found.sort(key=lambda m: (m["messageTimestamp"], m["_seq"]), reverse=True)
        size = _positive(body.get("offset"), 50)
        page = _positive(body.get("page"), 1)
        records = [{k: v for k, v in m.items() if k != "_seq"}
                   for m in found[(page - 1) * size:page * size]]
        return _Answer(200, {"messages": {"total": len(found), "pages": -(-len(found) // size),
                                          "currentPage": page, "records": records}})

    # --- webhook routes ----------------------------------------------------------------

    def _webhook_set(self, inst: _Instance, body: Any, query: Any) -> _Answer:
        """POST /webhook/set: the body is nested under `webhook` (webhook.schema.ts)."""
        problems = _missing(body, "webhook")
        if problems:
            return _error(400, problems)
        hook = body["webhook"]
        if not isinstance(hook, dict):
            return _error(400, ["webhook is not of a type(s) object"])
        problems = [p.replace("instance", "webhook", 1) for p in _missing(hook, "enabled", "url")]
        if problems:
            return _error(400, problems)
        unknown = [e for e in hook.get("events") or [] if e not in WEBHOOK_EVENTS]
        if unknown:
            return _error(400, [f"webhook.events is not one of enum values: {unknown[0]}"])
        if not re.match(r"^https?://", str(hook["url"])):
            return _error(400, ['Invalid "url" property'])
        inst.webhook = _webhook_record(inst, hook)
        return _Answer(201, dict(inst.webhook))

    def _webhook_find(self, inst: _Instance, body: Any, query: Any) -> _Answer:
        return _Answer(200, dict(inst.webhook) if inst.webhook else None)

    # --- session mechanics -------------------------------------------------------------

    def _add_instance(self, name: str, token: str | None) -> _Instance:
        inst = _Instance(name=name, instance_id=str(uuid.uuid4()), token=token,
                         created_at=_iso_now())
        self._instances[name] = inst
        return inst

    def _default(self) -> _Instance:
        if self._default_name in self._instances:
            return self._instances[self._default_name]
        if not self._instances:
            raise LookupError("the emulator has no instance yet")
        return next(iter(self._instances.values()))

    def _apply_state(self, inst: _Instance, state: str, *, logged_out: bool,
                     status_reason: int | None, notify: bool) -> None:
        if state not in ("open", "connecting", "close"):
            raise ValueError(f"unknown state {state!r}")
        if state == "open":
            self._open(inst, notify=notify)
            return
        if logged_out:
            inst.logged_in = False
        if state == "connecting":
            inst.state = "connecting"
            if notify:
                self._emit_connection(inst, "connecting", 200)
            if not inst.logged_in:
                self._next_qr(inst, notify=notify)
            return
        code = status_reason or (LOGGED_OUT if logged_out else CONNECTION_CLOSED)
        inst.state, inst.qr, inst.qr_count = "close", None, 0
        inst.disconnection_code, inst.disconnection_at = code, _iso_now()
        if notify and (logged_out or code in FINAL_CLOSE_CODES):
            self._emit_connection(inst, "close", code)

    def _begin_connecting(self, inst: _Instance) -> None:
        """What connect does on a closed instance: reconnect if paired, else show a QR."""
        inst.state = "connecting"
        inst.qr_count = 0
        self._emit_connection(inst, "connecting", 200)
        if inst.logged_in:
            self._open(inst)
        else:
            self._next_qr(inst)

    def _open(self, inst: _Instance, notify: bool = True) -> None:
        inst.state, inst.logged_in, inst.qr, inst.qr_count = "open", True, None, 0
        inst.wuid = _digits(self.owner) + JID_SUFFIX
        if notify:
            self._emit(inst, "connection.update", {
                "instance": inst.name, "wuid": inst.wuid, "profileName": self.profile_name,
                "state": "open", "statusReason": 200})

    def _next_qr(self, inst: _Instance, notify: bool = True) -> None:
        """A fresh code (a new image every time); past the limit Evolution gives up."""
        if inst.qr_count >= self.qrcode_limit:
            inst.state, inst.qr, inst.qr_count = "close", None, 0
            inst.disconnection_code = CONNECTION_CLOSED
            if notify:
                self._emit_connection(inst, "refused", CONNECTION_CLOSED)
            return
        self._qr_serial += 1
        inst.qr_count += 1
        png = qr_png(self._qr_serial, "ponte evolution emulator qr")
        inst.qr = {"pairingCode": None, "code": _pairing_ref(),
                   "base64": "data:image/png;base64," + base64.b64encode(png).decode()}
        if notify:
            self._emit(inst, "qrcode.updated", {"qrcode": {"instance": inst.name, **inst.qr}})

    def _qr_answer(self, inst: _Instance) -> Json:
        """The `qrCode` getter: {pairingCode, code, base64, count}, or just the count."""
        if inst.qr is None:
            return {"count": inst.qr_count}
        return {**inst.qr, "count": inst.qr_count}

    def _instance_record(self, inst: _Instance) -> Json:
        return {
            "id": inst.instance_id, "name": inst.name, "connectionStatus": inst.state,
            "ownerJid": inst.wuid, "profileName": self.profile_name if inst.wuid else None,
            "profilePicUrl": None, "integration": "WHATSAPP-BAILEYS", "number": None,
            "businessId": None, "token": inst.token or (self._accepted[:1] or (None,))[0],
            "clientName": "evolution_exchange",
            "disconnectionReasonCode": inst.disconnection_code,
            "disconnectionObject": None, "disconnectionAt": inst.disconnection_at,
            "createdAt": inst.created_at, "updatedAt": _iso_now(),
            "Setting": inst.settings or None,
            "_count": {"Message": len(inst.messages), "Contact": 0, "Chat": 0},
        }

    def _resolve(self, number: str) -> tuple[bool, str]:
        """Which WhatsApp id exists for a number (Evolution tries both ninth-digit forms)."""
        registry = self._registered
        if registry is None:
            return True, number
        if isinstance(registry, dict):
            answer = registry.get(number)
            return (answer is not None, _digits(answer) if answer else number)
        for candidate in (number, *ninth_digit_twins(number)):
            if candidate in registry:
                return True, candidate
        return False, number

    def _store(self, inst: _Instance, record: Json) -> Json:
        stored = {"id": "cm" + token_source.token_hex(12)[:23], **record, "contextInfo": None,
                  "MessageUpdate": [], "_seq": len(inst.messages)}
        inst.messages.append(stored)
        return stored

    # --- webhooks ----------------------------------------------------------------------

    def _emit_connection(self, inst: _Instance, state: str, code: int) -> None:
        self._emit(inst, "connection.update",
                   {"instance": inst.name, "state": state, "statusReason": code})

    def _emit(self, inst: _Instance, event: str, data: Any) -> None:
        """Post one event in Evolution's envelope, if the webhook subscribes to it."""
        hook = inst.webhook
        if not hook or not hook.get("enabled") or not hook.get("url"):
            return
        if event.upper().replace(".", "_") not in hook["events"]:
            return
        url = hook["url"]
        if hook.get("webhookByEvents"):
            url = url.rstrip("/") + "/" + event.replace(".", "-")
        envelope: Json = {"event": event, "instance": inst.name, "data": data,
                          "destination": url, "date_time": _local_time_with_z()}
        if inst.wuid:
            envelope["sender"] = inst.wuid
        envelope["server_url"] = self.base_url
        envelope["apikey"] = self._exposed_apikey(inst)
        self._enqueue(url, envelope, dict(hook.get("headers") or {}))

    def _exposed_apikey(self, inst: _Instance) -> str | None:
        if not self.expose_apikey:
            return None
        return inst.token or (self._accepted[0] if self._accepted else None)

    def _enqueue(self, url: str, body: Json, headers: dict[str, str]) -> None:
        with self._idle:
            self._pending += 1
        self._start_poster()
        self._outbox.put((url, body, headers))

    def _start_poster(self) -> None:
        with self._lock:
            if self._poster is None or not self._poster.is_alive():
                self._poster = threading.Thread(target=self._post_forever,
                                                name="evolution-webhooks", daemon=True)
                self._poster.start()

    def _post_forever(self) -> None:
        """Post queued webhooks one by one, in order; a failure is recorded, never raised."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while True:
            item = self._outbox.get()
            if item is None:
                return
            url, body, headers = item
            status, error = None, ""
            try:
                request = urllib.request.Request(
                    url, data=json.dumps(body, ensure_ascii=False).encode(), method="POST",
                    headers={"Content-Type": "application/json", **headers})
                with opener.open(request, timeout=self.webhook_timeout) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except Exception as exc:  # a dead receiver must not stop the engine
                error = type(exc).__name__
            with self._idle:
                self.webhooks.append({"url": url, "body": body, "status": status,
                                      "error": error})
                self._pending -= 1
                self._idle.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    emulator: Emulator


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, lets the emulator answer, writes the answer."""

    server: _Server

    def do_GET(self) -> None:  # http.server's naming
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `Emulator.requests` instead."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body, bad_json = _parse_json(raw)
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            answer = self.server.emulator._answer(self.command, self.path, headers, body,
                                                  bad_json)
        except Exception as exc:  # an emulator bug shows as Express's 500, not a dropped socket
            answer = _error(500, [f"{type(exc).__name__}: {exc}"])
        if answer.html:
            payload, kind = answer.body.encode(), "text/html"
        else:
            payload = json.dumps(answer.body, ensure_ascii=False).encode()
            kind = "application/json; charset=utf-8"
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-Powered-By", "Express")
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting: exactly what hang_next is for


class WebhookSink:
    """A stand-in for Ponte's webhook endpoint: collects what the emulator posts."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.bodies: list[Any] = []
        self.paths: list[str] = []
        self._arrived = threading.Condition()
        sink = self

        class Receiver(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink._arrived:
                    sink.bodies.append(_parse_json(raw)[0])
                    sink.paths.append(self.path)
                    sink._arrived.notify_all()
                self.send_response(sink.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/webhooks/evolution"

    def wait_for(self, count: int, timeout: float = 2.0) -> list[Any]:
        """The bodies once at least `count` arrived (whatever came, on timeout)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.bodies) < count and (left := deadline - time.monotonic()) > 0:
                self._arrived.wait(left)
            return list(self.bodies)

    def events(self) -> list[str]:
        return [b.get("event") for b in self.bodies if isinstance(b, dict)]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# --- QR code images ------------------------------------------------------------------


def _pairing_ref() -> str:
    """The `code` string WhatsApp encodes in the QR: ref, noise key, identity key, secret."""
    parts = [base64.b64encode(token_source.token_bytes(n)).decode() for n in (48, 32, 32, 32)]
    return "2@" + ",".join(parts)


# --- small readers and builders ------------------------------------------------------


def _match(method: str, path: str) -> tuple[_Route, str | None] | None:
    for route in ROUTES:
        if route.method != method:
            continue
        found = route.pattern.match(path)
        if found:
            return route, unquote(found.group("name")) if route.per_instance else None
    return None


def _error(status: int, message: Any = None) -> _Answer:
    """Evolution's error body, or a reverse proxy's page for 502/503/504."""
    if status in PROXY_TITLES:
        title = f"{status} {PROXY_TITLES[status]}"
        page = (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
                f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
                "</body>\r\n</html>\r\n")
        return _Answer(status, page, html=True)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    if status == 401:
        message = message or "Unauthorized"  # UnauthorizedException sends a bare string
    elif message is None:
        message = [DEFAULT_MESSAGES.get(status, phrase)]
    return _Answer(status, {"status": status, "error": phrase, "response": {"message": message}})


def _missing(body: Any, *required: str) -> list[str]:
    """jsonschema's `required` and Evolution's isNotEmpty messages, as RouterBroker words them."""
    if not isinstance(body, dict):
        return ["instance is not of a type(s) object"]
    problems = [f'instance requires property "{name}"' for name in required if name not in body]
    problems += [f'The "{name}" cannot be empty' for name in required
                 if name in body and body[name] in ("", None, [])]
    return problems


def _parse_json(raw: bytes) -> tuple[Any, bool]:
    if not raw.strip():
        return None, False
    try:
        return json.loads(raw), False
    except ValueError:
        return None, True


def _freeze_registry(value: Iterable[str] | Mapping[str, str | None] | None,
                     ) -> frozenset[str] | dict[str, str | None] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {_digits(k): v for k, v in value.items()}
    return frozenset(_digits(v) for v in value)


def _digits(value: str) -> str:
    user = value.split("@", 1)[0].split(":", 1)[0]
    return re.sub(r"\D", "", user)


def _media_source(media: Any) -> tuple[str, int] | None:
    """("url", 0) or ("base64", byte count), as Evolution tells them apart."""
    if not isinstance(media, str) or not media:
        return None
    if re.match(r"^https?://", media):
        return "url", 0
    try:
        return "base64", len(base64.b64decode(media, validate=True))
    except (binascii.Error, ValueError):
        return None


def _default_mimetype(kind: str) -> str:
    return {"image": "image/jpeg", "video": "video/mp4", "audio": "audio/mpeg",
            "ptv": "video/mp4"}.get(kind, "application/octet-stream")


def _matches(key: Json, wanted: Json) -> bool:
    return all(key.get(name) == value for name, value in wanted.items()
               if name in ("remoteJid", "id", "fromMe"))


def _positive(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 \
        else default


def _webhook_record(inst: _Instance, hook: Json) -> Json:
    """What webhook.controller `set` stores: all events when enabled with none listed."""
    enabled = bool(hook.get("enabled"))
    events = list(hook.get("events") or []) if enabled else []
    now = _iso_now()
    return {"id": "cm" + token_source.token_hex(12)[:23], "url": hook.get("url"),
            "headers": hook.get("headers") or {}, "enabled": enabled,
            "events": events or (list(WEBHOOK_EVENTS) if enabled else []),
            "webhookByEvents": bool(hook.get("byEvents")),
            "webhookBase64": bool(hook.get("base64")), "createdAt": now, "updatedAt": now,
            "instanceId": inst.instance_id}


def _drop_none_values(answer: Json) -> Json:
    """JSON.stringify drops `undefined`; the fixture keeps only what Evolution sends."""
    hook = {k: v for k, v in answer["webhook"].items() if v is not None}
    return {**answer, "webhook": hook}


def _cdn_url() -> str:
    return f"https://mmg.whatsapp.net/v/t62.7118-24/{_hex(16).lower()}.enc?ccb=11-4&mms3=true"


def _hex(length: int) -> str:
    return token_source.token_hex((length + 1) // 2)[:length].upper()


def _iso_now() -> str:
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def _local_time_with_z() -> str:
    """Evolution's `date_time`: the server's wall clock with a literal, misleading "Z"."""
    return datetime.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
