"""Evolution API v2, emulated on loopback for tests.

The real engine needs a phone and WhatsApp's servers, so tests talk to this
instead. It answers the paths, status codes and bodies that
`fixtures/evolution/rest.*.json` show (`SOURCES.md` there names the
Evolution code each shape comes from), checks the `apikey` header in the order
Evolution's guards do (instance exists, then key), and posts webhooks back in
Evolution's own envelope from a background thread.

The server, recording, scripting and webhook outbox are `EngineEmulator`'s.
Tests script it: errors a reverse proxy would answer (504) without delivering,
answers that hang after the message went out, session states, which apikeys
work, which numbers exist on WhatsApp. Operation names for scripting:
send_text, send_media, check_number, status, start, qrcode, close, logout,
token (the apikey check every request goes through), webhook, recent_messages,
create, profile_picture, download_media. `GET /instance/connect` is both `start`
and `qrcode` (Evolution has one path for both); `POST /instance/restart` is
`close`.

Media: a customer's file arrives as `messages.upsert` with the WAProto content
(`imageMessage`, `audioMessage` with `ptt` and `seconds`, a document with a
caption wrapped in `documentWithCaptionMessage`, ...) and, when the webhook was
set with `base64: true`, the whole file as `data.message.base64`.
`POST /chat/getBase64FromMediaMessage/<instance>` with `{message: {key: {id}}}`
answers 201 `{mediaType, fileName, size, mimetype, base64, buffer}`; every
failure is a 400 (BadRequestException of the error's text): "Message not
found", or "Error: Failed to fetch stream from <url>" once WhatsApp's servers
dropped the file (`expire_media`). Sends record each file in `media_sends`.
"""

import base64
import binascii
import copy
import hashlib
import json
import re
import secrets as token_source
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any, Literal
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
    qr_png,
    whatsapp_id,
)

Json = dict[str, Any]
State = Literal["open", "connecting", "close"]

DEFAULT_APIKEY = "emulator-global-apikey"

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

DEFAULT_MESSAGES = {400: "Bad Request", 403: "Forbidden", 404: "Not Found",
                    500: "Error: Connection Closed"}

JID_SUFFIX = "@s.whatsapp.net"

# Ponte's media kinds as WAProto message fields, and back (`TypeMediaMessage`).
CONTENT_FIELDS = {"image": "imageMessage", "video": "videoMessage", "audio": "audioMessage",
                  "voice": "audioMessage", "document": "documentMessage",
                  "sticker": "stickerMessage"}
MEDIA_FIELDS = ("imageMessage", "documentMessage", "audioMessage", "videoMessage",
                "stickerMessage", "ptvMessage")


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
    _route("POST", "message/sendSticker", ("send_media",), "_send_sticker"),
    _route("POST", "chat/getBase64FromMediaMessage", ("download_media",), "_get_base64"),
    _route("POST", "webhook/set", ("webhook",), "_webhook_set"),
    _route("GET", "webhook/find", ("webhook",), "_webhook_find"),
)


class Emulator(EngineEmulator):
    """An Evolution API v2 server for one WhatsApp number (instance), on 127.0.0.1.

    `secrets` are the apikeys it accepts (they act as the global key); a started
    instance is `open` (paired) unless `state` says otherwise. `registered` is
    what the number check finds: None means every number exists as given; a
    collection lists the WhatsApp ids that exist, found across Brazil's ninth
    digit as Evolution does; a mapping gives each asked number its id (None: not
    on WhatsApp).
    """

    ENGINE = "evolution"
    OPERATIONS = frozenset({"token", *(op for route in ROUTES for op in route.operations)})

    def __init__(self, secrets: Iterable[str] = (DEFAULT_APIKEY,),
                 instance: str | None = "crm-main", *, state: State = "open",
                 latency: float = 0.0, auto_ack: bool = False,
                 registered: Iterable[str] | Mapping[str, str | None] | None = None,
                 owner: str = "5511987654321", profile_name: str = "Loja Exemplo",
                 webhook_url: str | None = None, expose_apikey: bool = True,
                 qrcode_limit: int = 30, webhook_timeout: float = 5.0, port: int = 0,
                 body_limit: int = 136 * 1024 * 1024) -> None:
        super().__init__(secrets, latency=latency, webhook_timeout=webhook_timeout, port=port)
        # main.ts: `json({limit: '136mb'})`; past it, body-parser's 413 through the error handler.
        self.body_limit = body_limit
        self._registered = _freeze_registry(registered)
        self.auto_ack = auto_ack
        self.owner = owner
        self.profile_name = profile_name
        # With AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES=true (Evolution's default) every
        # webhook carries the instance's apikey; False sends null as Evolution then does.
        self.expose_apikey = expose_apikey
        self.qrcode_limit = qrcode_limit
        self.pictures: dict[str, str] = {}  # WhatsApp id -> profile picture URL
        self._instances: dict[str, _Instance] = {}
        self._default_name = instance
        self._qr_serial = 0
        if instance is not None:
            inst = self._add_instance(instance, token=None)
            if webhook_url:
                inst.webhook = _webhook_record(inst, {"enabled": True, "url": webhook_url})
            # Starting `close` or `connecting` means never paired: no close code yet.
            if state != "close":
                self._apply_state(inst, state, logged_out=False, status_reason=None,
                                  notify=False)

    @property
    def instance(self) -> str:
        """The name of the instance the scripting methods act on."""
        return self._default().name

    # --- scripting ---------------------------------------------------------------------

    @property
    def registered(self) -> frozenset[str] | dict[str, str | None] | None:
        with self._lock:
            return self._registered

    @registered.setter
    def registered(self, value: Iterable[str] | Mapping[str, str | None] | None) -> None:
        with self._lock:
            self._registered = _freeze_registry(value)

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

    def receive_text(self, wa_id: str, text: str, *, push_name: str = "Cliente",
                     session: str | None = None) -> str:
        """A customer writes to the shop: stored, and posted as messages.upsert.

        session: the instance name; None means the one the scripting methods act on.
        """
        with self._lock:
            inst = self._instances[session] if session else self._default()
            jid = _digits(wa_id) + JID_SUFFIX
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

    def receive_media(self, wa_id: str, data: bytes, *, kind: str = "image",
                      mimetype: str | None = None, filename: str | None = None,
                      caption: str = "", inline: bool | None = None,
                      duration: float | None = None, push_name: str = "Cliente",
                      session: str | None = None) -> str:
        """A customer sends a file: stored, and posted as messages.upsert (prepareMessage).

        inline None follows the webhook's `base64` setting (Ponte sets it off).
        """
        if kind not in CONTENT_FIELDS:
            raise ValueError(f"unknown media kind {kind!r}")
        mimetype = mimetype or guess_mimetype(data, kind)
        with self._lock:
            inst = self._instances[session] if session else self._default()
            if inline is None:
                inline = bool((inst.webhook or {}).get("webhookBase64"))
            field_name = CONTENT_FIELDS[kind]
            content: Json = {"url": _cdn_url(), "mimetype": mimetype,
                             "fileSha256": _byte_object(hashlib.sha256(data).digest()),
                             "fileLength": {"low": len(data) & 0xFFFFFFFF,
                                            "high": len(data) >> 32, "unsigned": True},
                             "mediaKey": _byte_object(token_source.token_bytes(32)),
                             "directPath": "/v/t62.7118-24/" + _hex(24).lower() + ".enc",
                             "mediaKeyTimestamp": {"low": int(time.time()), "high": 0,
                                                   "unsigned": False}}
            seconds = media_duration(data, duration)
            if kind in ("voice", "audio", "video"):
                content["seconds"] = round(seconds or 0)
            if kind in ("voice", "audio"):
                content["ptt"] = kind == "voice"
            if kind == "document":
                content["fileName"] = filename or "arquivo"
                content["title"] = content["fileName"]
            if caption and kind in ("image", "video", "document"):
                content["caption"] = caption
            message: Json = {field_name: content}
            if kind == "document" and caption:
                # WhatsApp wraps a captioned document (prepareMessage keeps the wrapper).
                message = {"documentWithCaptionMessage": {"message": message}}
                field_name = "documentWithCaptionMessage"
            message_id = "3A" + _hex(18)
            record = {
                "key": {"remoteJid": _digits(wa_id) + JID_SUFFIX, "fromMe": False,
                        "id": message_id},
                "pushName": push_name, "status": "DELIVERY_ACK", "message": message,
                "messageType": field_name, "messageTimestamp": int(time.time()),
                "instanceId": inst.instance_id, "source": "ios",
            }
            self._store(inst, copy.deepcopy(record))
            self._keep_media(message_id, data, mimetype, filename)
            if inline:
                record["message"] = {**message, "base64": base64.b64encode(data).decode()}
            self._emit(inst, "messages.upsert", record)
            return message_id

    # --- one request -------------------------------------------------------------------

    def _operation_of(self, method: str, path: str, body: Any) -> str | None:
        found = _match(method, path)
        return found[0].operations[0] if found else None

    def _answer(self, request: RecordedRequest) -> Reply | None:
        """Evolution's middleware order: proxy, route, instance guard, apikey, validation."""
        if len(request.raw) > self.body_limit:
            return _json(413, {"status": 413, "error": "Internal Server Error",
                               "response": {"message": "request entity too large"}})
        found = _match(request.method, request.path)
        if found is None:
            return _json(404, {"status": 404,
                               "message": f"Cannot {request.method} {request.target}",
                               "error": "Not Found"})
        route, name = found
        try:
            return self._scripted(route.operations, request,
                                  lambda: self._guarded(route, name, request))
        except Exception as exc:  # an emulator bug shows as Express's 500, not a dropped socket
            return _error(500, [f"{type(exc).__name__}: {exc}"])

    def _guarded(self, route: _Route, name: str | None, request: RecordedRequest) -> Reply | None:
        with self._lock:
            inst = None
            if route.per_instance:
                inst = self._instances.get(name or "")
                if inst is None:
                    return _error(404, [f'The "{name}" instance does not exist'])
        # The apikey check every request goes through is scriptable as "token".
        return self._scripted(("token",), request,
                              lambda: self._authorized(route, inst, request))

    def _authorized(self, route: _Route, inst: _Instance | None,
                    request: RecordedRequest) -> Reply:
        """`authGuard.apikey` (the global key, or this instance's own token), then the route."""
        key = request.headers.get("apikey")
        with self._lock:
            if not key or (key not in self.accepted_secrets
                           and (inst is None or key != inst.token)):
                return _error(401)
            if _is_broken_json(request.raw):
                return _error(400, ["Unexpected token in JSON body"])
            handler: Callable[..., Reply] = getattr(self, route.handler)
            return handler(inst, request.json, request.query)

    def _failure(self, failure: Failure, request: RecordedRequest) -> Reply:
        if failure.body is not None:
            return _json(failure.status, failure.body)
        return _error(failure.status)

    # --- instance routes ---------------------------------------------------------------

    def _create(self, _: None, body: Any, query: Any) -> Reply:
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
        return _json(201, _drop_none_values(answer))

    def _fetch_instances(self, _: None, body: Any, query: dict[str, str]) -> Reply:
        """GET /instance/fetchInstances: the records, with the last close's reason code."""
        wanted = query.get("instanceName")
        chosen = [i for i in self._instances.values() if wanted in (None, i.name)]
        if wanted and not chosen:
            return _error(404, [f'Instance "{wanted}" not found'])
        return _json(200, [self._instance_record(i) for i in chosen])

    def _connect(self, inst: _Instance, body: Any, query: Any) -> Reply:
        """GET /instance/connect (InstanceController.connectToWhatsapp)."""
        if inst.state == "open":
            return _json(200, {"instance": {"instanceName": inst.name, "state": "open"}})
        if inst.state == "close":
            self._begin_connecting(inst)
        return _json(200, self._qr_answer(inst))

    def _connection_state(self, inst: _Instance, body: Any, query: Any) -> Reply:
        return _json(200, {"instance": {"instanceName": inst.name, "state": inst.state}})

    def _restart(self, inst: _Instance, body: Any, query: Any) -> Reply:
        """POST /instance/restart: drop the socket and reconnect with the same pairing.

        Errors inside the controller come back as 200 `{error: true, message}`.
        """
        if inst.state == "close":
            return _json(200, {"error": True,
                                 "message": f'The "{inst.name}" instance is not connected'})
        if inst.logged_in:
            self._emit_connection(inst, "connecting", 200)
            self._open(inst)
        else:
            inst.qr_count = 0
            self._next_qr(inst)
        return _json(200, {"instance": {"instanceName": inst.name, "status": inst.state}})

    def _logout(self, inst: _Instance, body: Any, query: Any) -> Reply:
        """DELETE /instance/logout: unpair; the instance stays, `close`, code 401."""
        if inst.state == "close":
            return _error(400, [f'The "{inst.name}" instance is not connected'])
        self._apply_state(inst, "close", logged_out=True, status_reason=LOGGED_OUT, notify=True)
        return _json(200, {"status": "SUCCESS", "error": False,
                             "response": {"message": "Instance logged out"}})

    # --- message routes ----------------------------------------------------------------

    def _send_text(self, inst: _Instance, body: Any, query: Any) -> Reply:
        """POST /message/sendText (sendMessageWithTyping)."""
        problems = _missing(body, "number", "text")
        if problems:
            return _error(400, problems)
        return self._deliver(inst, body, "conversation", {"conversation": body["text"]},
                             {"kind": "text", "text": body["text"]})

    def _send_media(self, inst: _Instance, body: Any, query: Any) -> Reply:
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
                "fileName": body.get("fileName"), "source": source[0], "size": source[1],
                "media": body["media"]}
        return self._deliver(inst, body, field_name, {field_name: content}, info)

    def _send_sticker(self, inst: _Instance, body: Any, query: Any) -> Reply:
        """POST /message/sendSticker: an image Evolution turns into a WebP sticker."""
        problems = _missing(body, "number", "sticker")
        if problems:
            return _error(400, problems)
        source = _media_source(body["sticker"])
        if source is None:
            return _error(400, ["Owned media must be a url or base64"])
        content = {"url": _cdn_url(), "mimetype": "image/webp", "fileLength": source[1]}
        info = {"kind": "sticker", "mimetype": "image/webp", "source": source[0],
                "size": source[1], "media": body["sticker"]}
        return self._deliver(inst, body, "stickerMessage", {"stickerMessage": content}, info)

    def _send_audio(self, inst: _Instance, body: Any, query: Any) -> Reply:
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
                "size": source[1], "media": body["audio"]}
        return self._deliver(inst, body, "audioMessage", {"audioMessage": content}, info)

    def _deliver(self, inst: _Instance, body: Json, message_type: str, message: Json,
                 info: Json) -> Reply:
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
        source = info.pop("media", None)
        self.delivered.append({"to": wa_id, "jid": jid, **info,
                               "engine_message_id": record["key"]["id"],
                               "instance": inst.name})
        if info["kind"] != "text":
            url = source if info["source"] == "url" else None
            self._record_media_send(MediaSend(
                to=wa_id, kind=info["kind"], data=None if url else base64.b64decode(source),
                mimetype=info.get("mimetype"), filename=info.get("fileName"),
                caption=info.get("caption") or "", voice=info["kind"] == "voice",
                engine_message_id=record["key"]["id"], url=url))
        self._emit(inst, "send.message", record)
        if self.auto_ack:
            for status in ("DELIVERY_ACK", "READ"):
                self._emit(inst, "messages.update", {
                    "keyId": record["key"]["id"], "remoteJid": jid, "fromMe": True,
                    "participant": jid, "status": status, "instanceId": inst.instance_id,
                    "messageId": stored["id"]})
        return _json(201, record)

    def _whatsapp_numbers(self, inst: _Instance, body: Any, query: Any) -> Reply:
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
        return _json(200, answers)

    def _fetch_profile_picture(self, inst: _Instance, body: Any, query: Any) -> Reply:
        """POST /chat/fetchProfilePictureUrl: a CDN URL, or null when there is none."""
        problems = _missing(body, "number")
        if problems:
            return _error(400, problems)
        if inst.state != "open":
            return _error(500, ["Error: Connection Closed"])
        exists, wa_id = self._resolve(_digits(str(body["number"])))
        return _json(200, {"wuid": wa_id + JID_SUFFIX,
                             "profilePictureUrl": self.pictures.get(wa_id) if exists else None})

    def _find_messages(self, inst: _Instance, body: Any, query: Any) -> Reply:
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
        return _json(200, {"messages": {"total": len(found), "pages": -(-len(found) // size),
                                          "currentPage": page, "records": records}})

    def _get_base64(self, inst: _Instance, body: Any, query: Any) -> Reply:
        """POST /chat/getBase64FromMediaMessage: the file of a stored message, as base64.

        Evolution looks the message up by `key.id` in its database unless the body
        carries the whole message; any failure is a 400 with the error's text.
        """
        wanted = body.get("message") if isinstance(body, dict) else None
        if not isinstance(wanted, dict):
            return _error(400, ["TypeError: Cannot read properties of undefined (reading "
                                "'key')"])
        key_id = (wanted.get("key") or {}).get("id") if isinstance(wanted.get("key"), dict) \
            else None
        record = next((m for m in inst.messages if m["key"].get("id") == key_id), None)
        if record is None:
            return _error(400, ["Message not found"])
        message = record["message"]
        for wrapper in ("documentWithCaptionMessage", "viewOnceMessage", "ephemeralMessage"):
            if isinstance(message.get(wrapper), dict):
                message = message[wrapper]["message"]
        field_name = next((f for f in MEDIA_FIELDS if isinstance(message.get(f), dict)), None)
        if field_name is None:
            return _error(400, ["The message is not of the media type"])
        content = message[field_name]
        stored = self.received_media.get(key_id)
        if stored is None or stored.gone:
            return _error(400, [f"Error: Failed to fetch stream from {content['url']}"])
        extension = content["mimetype"].split(";")[0].split("/")[-1]
        size = {k: v for k, v in (("fileLength", content.get("fileLength")),
                                  ("height", content.get("height")),
                                  ("width", content.get("width"))) if v is not None}
        answer = {"mediaType": field_name,
                  "fileName": content.get("fileName") or f"{key_id}.{extension}",
                  "caption": content.get("caption"), "size": size,
                  "mimetype": content["mimetype"],
                  "base64": base64.b64encode(stored.data).decode(), "buffer": None}
        return _json(201, {k: v for k, v in answer.items() if k == "buffer" or v is not None})

    # --- webhook routes ----------------------------------------------------------------

    def _webhook_set(self, inst: _Instance, body: Any, query: Any) -> Reply:
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
        return _json(201, dict(inst.webhook))

    def _webhook_find(self, inst: _Instance, body: Any, query: Any) -> Reply:
        return _json(200, dict(inst.webhook) if inst.webhook else None)

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
            "businessId": None, "token": inst.token or (self.accepted_secrets[:1] or [None])[0],
            "clientName": "evolution_exchange",
            "disconnectionReasonCode": inst.disconnection_code,
            "disconnectionObject": None, "disconnectionAt": inst.disconnection_at,
            "createdAt": inst.created_at, "updatedAt": _iso_now(),
            "Setting": inst.settings or None,
            "_count": {"Message": len(inst.messages), "Contact": 0, "Chat": 0},
        }

    def _resolve(self, number: str) -> tuple[bool, str]:
        """Which WhatsApp id exists for a number (Evolution tries both ninth-digit forms)."""
        found = whatsapp_id(self._registered, number)
        return (found is not None, _digits(found) if found else number)

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
        self._queue_webhook(url, envelope, hook.get("headers"))

    def _exposed_apikey(self, inst: _Instance) -> str | None:
        if not self.expose_apikey:
            return None
        return inst.token or (self.accepted_secrets[0] if self.accepted_secrets else None)

    def _webhook_destination(self, body: Any) -> tuple[str | None, dict[str, str]]:
        with self._lock:
            hook = self._default().webhook or {}
            return hook.get("url"), dict(hook.get("headers") or {})

    def _encode_webhook(self, body: Any) -> tuple[bytes, dict[str, str]]:
        return json.dumps(body, ensure_ascii=False).encode(), {"Content-Type": "application/json"}


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


def _json(status: int, body: Any) -> Reply:
    """Express's `res.status(status).json(body)`."""
    return Reply(status, json.dumps(body, ensure_ascii=False).encode(),
                 {"Content-Type": "application/json; charset=utf-8", "X-Powered-By": "Express"})


def _error(status: int, message: Any = None) -> Reply:
    """Evolution's error body, or a reverse proxy's page for 502/503/504."""
    if status in GATEWAY_REASONS:
        return Reply(status, gateway_page(status), {"Content-Type": "text/html",
                                                     "X-Powered-By": "Express"})
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    if status == 401:
        message = message or "Unauthorized"  # UnauthorizedException sends a bare string
    elif message is None:
        message = [DEFAULT_MESSAGES.get(status, phrase)]
    return _json(status, {"status": status, "error": phrase, "response": {"message": message}})


def _missing(body: Any, *required: str) -> list[str]:
    """jsonschema's `required` and Evolution's isNotEmpty messages, as RouterBroker words them."""
    if not isinstance(body, dict):
        return ["instance is not of a type(s) object"]
    problems = [f'instance requires property "{name}"' for name in required if name not in body]
    problems += [f'The "{name}" cannot be empty' for name in required
                 if name in body and body[name] in ("", None, [])]
    return problems


def _is_broken_json(raw: bytes) -> bool:
    """A body that is there yet does not parse (Express's body parser refuses it)."""
    if not raw.strip():
        return False
    try:
        json.loads(raw)
    except ValueError:
        return True
    return False


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


def _byte_object(data: bytes) -> Json:
    """A byte field as Evolution 2.3.6+ serialises it: `{"0": 12, "1": 200, ...}`."""
    return {str(index): value for index, value in enumerate(data)}


def _hex(length: int) -> str:
    return token_source.token_hex((length + 1) // 2)[:length].upper()


def _iso_now() -> str:
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def _local_time_with_z() -> str:
    """Evolution's `date_time`: the server's wall clock with a literal, misleading "Z"."""
    return datetime.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
