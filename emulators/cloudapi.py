"""A loopback stand-in for Meta's WhatsApp Cloud API (the Graph API's REST surface).

The real Cloud API needs a Meta app, a registered number and WhatsApp's servers,
so tests start this emulator instead. It answers the paths Ponte uses with the
shapes in `fixtures/cloudapi/` and Meta's docs (`{"error": {...}}` bodies with
Graph codes, `wamid.` message ids, `contacts[].wa_id` resolution) and posts
status webhooks back, signed the way Meta signs them. The server, recording,
scripting and webhook outbox are `EngineEmulator`'s; on top, tests make
accepted messages fail later (`fail_delivery`). A 401 and a bad path come
before any scripted hang, as Meta's edge checks them first.

Media: `GET /<version>/<media id>` answers `{messaging_product, url, mime_type,
sha256, file_size, id}` for a customer's file (`receive_media`) or one we
uploaded; the `url` (the emulator's own `/whatsapp_business/attachments/?mid=
&ext=&hash=`, as Meta's lookaside host) serves the bytes to the same bearer
token for `media_url_ttl` seconds, then answers 404 (`expire_media_urls` ends
them at once). A media id Meta dropped (`expire_media`) answers Graph's 400
"Object with ID ... does not exist" (code 100, subcode 33). Operations for
scripting: media_url, media_download.

Standard library only: it must run wherever the tests run.
"""

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import urlencode

from emulators.base import (
    EngineEmulator,
    Failure,
    MediaSend,
    RecordedRequest,
    Reply,
    guess_mimetype,
)

MEDIA_TYPES = frozenset({"image", "document", "audio", "video", "sticker"})
ATTACHMENTS_PATH = "/whatsapp_business/attachments/"
# Ponte's media kinds as the Cloud API's message types (a voice note is audio + voice).
KIND_TYPES = {"image": "image", "document": "document", "audio": "audio", "voice": "audio",
              "video": "video", "sticker": "sticker"}
VERSION = re.compile(r"v\d+\.\d+")
ERROR_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"


@dataclass(frozen=True)
class GraphError:
    """One Graph API error answer: HTTP status plus the `{"error": {...}}` body."""

    status: int
    code: int
    message: str
    type: str = "OAuthException"
    subcode: int | None = None
    details: str | None = None
    transient: bool | None = None

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.transient is not None:
            error["is_transient"] = self.transient
        error["fbtrace_id"] = secrets.token_urlsafe(17)[:23]
        return {"error": error}


# Canned answers by Graph code, worded as Meta words them (Graph error-handling
# guide and the Cloud API error-code table).
KNOWN_ERRORS: dict[int, GraphError] = {
    190: GraphError(401, 190, "Invalid OAuth access token - Cannot parse access token"),
    104: GraphError(401, 104, "An access token is required to request this resource."),
    10: GraphError(403, 10, "(#10) Application does not have permission for this action"),
    100: GraphError(400, 100, "(#100) Invalid parameter"),
    131030: GraphError(400, 131030, "(#131030) Recipient phone number not in allowed list",
                       subcode=2655007, details="Recipient phone number not in allowed list: "
                       "add the recipient phone number to the recipient list and try again."),
    131026: GraphError(400, 131026, "(#131026) Message undeliverable"),
    133010: GraphError(400, 133010, "(#133010) Account not registered"),
    4: GraphError(429, 4, "(#4) Application request limit reached", transient=True),
    80007: GraphError(429, 80007, "(#80007) Rate limit issues"),
    130429: GraphError(429, 130429, "(#130429) Rate limit hit",
                       details="Cloud API message throughput has been reached."),
    131000: GraphError(500, 131000, "(#131000) Something went wrong"),
    131016: GraphError(503, 131016, "(#131016) Service unavailable",
                       details="A service is temporarily unavailable."),
    2: GraphError(504, 2, "An unexpected error has occurred. Please retry your request later.",
                  transient=True),
}
CODE_FOR_STATUS = {400: 100, 401: 190, 403: 10, 429: 80007, 500: 131000, 502: 2, 503: 131016,
                   504: 2}

# Errors Meta reports in a `failed` status webhook (see status-failed.json).
DELIVERY_ERRORS: dict[int, tuple[str, str]] = {
    131026: ("Message undeliverable", "Unable to deliver message. Reasons can include: the "
             "recipient phone number is not a WhatsApp phone number."),
    130472: ("User's number is part of an experiment", "Failed to send message because this "
             "user's phone number is part of an experiment"),
    131047: ("Re-engagement message", "Message failed to send because more than 24 hours have "
             "passed since the customer last replied to this number."),
    131049: ("This message was not delivered to maintain healthy ecosystem engagement.",
             "In order to maintain a healthy ecosystem engagement, the message failed to be "
             "delivered."),
}


@dataclass(frozen=True)
class _Upload:
    filename: str
    mime_type: str
    data: bytes


@dataclass
class _MediaUrl:
    media_id: str
    expires_at: float


_Route = Callable[[RecordedRequest], Reply]


def new_message_id(wa_id: str) -> str:
    """An outbound id shaped like Meta's `wamid.`: base64 of a small binary record
    holding the recipient's wa_id and a random hex key (decode the id in
    send-text.response.json to see the same layout)."""
    return _wamid(wa_id, b"\x11", secrets.token_hex(9).upper())


def new_inbound_message_id(wa_id: str) -> str:
    """An inbound id, like text.json's: same layout, a different marker and a longer key."""
    return _wamid(wa_id, b"\x12", secrets.token_hex(10).upper())


def _wamid(wa_id: str, marker: bytes, key: str) -> str:
    user, token = wa_id.encode(), key.encode()
    raw = (b"\x1c\x18" + bytes([len(user)]) + user + b"\x15\x02\x00" + marker + b"\x18"
           + bytes([len(token)]) + token + b"\x00")
    return "wamid." + base64.b64encode(raw).decode()


def sign(body: bytes, app_secret: str) -> str:
    """`X-Hub-Signature-256`: HMAC-SHA256 of the raw body keyed by the app secret."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _invalid(details: str) -> GraphError:
    return replace(KNOWN_ERRORS[100], details=details)


class Emulator(EngineEmulator):
    """Meta's Cloud API for one phone-number id, on 127.0.0.1, for tests.

    `registered` maps typed digits to the wa_id WhatsApp resolves them to
    (e.g. "5531987654321" -> "553187654321"); None means "not on WhatsApp"
    (accepted, then a `failed` 131026 status, as Meta does). Digits not in it
    resolve to themselves. `allowed_recipients`, when set, plays a test number's
    recipient list (131030 for anyone else).
    """

    ENGINE = "cloudapi"
    OPERATIONS = frozenset({"send_text", "send_media", "status", "upload", "media_url",
                            "media_download"})

    def __init__(self, secrets: Iterable[str] = ("test-access-token",),
                 phone_number_id: str = "106540352242922", *, webhook_url: str | None = None,
                 app_secret: str | None = None, registered: Mapping[str, str | None] | None = None,
                 auto_ack: bool = False, latency: float = 0.0,
                 allowed_recipients: Iterable[str] | None = None,
                 display_phone_number: str = "15550783881", waba_id: str = "102290129340398",
                 verified_name: str = "Ponte Test Shop", media_url_ttl: float = 300.0) -> None:
        super().__init__(secrets, latency=latency)
        self.media_url_ttl = media_url_ttl
        self.phone_number_id = phone_number_id
        self.webhook_url = webhook_url
        self.app_secret = app_secret
        self.registered: dict[str, str | None] = dict(registered or {})
        self.auto_ack = auto_ack
        self.allowed_recipients = None if allowed_recipients is None else set(allowed_recipients)
        self.display_phone_number = display_phone_number
        self.waba_id = waba_id
        self.verified_name = verified_name
        self.phone_status = "CONNECTED"  # the number's `status` field, e.g. "DISCONNECTED"
        self.uploads: dict[str, _Upload] = {}
        self._media_ids: dict[str, str] = {}  # a received file's media id -> its message id
        self._media_urls: dict[str, _MediaUrl] = {}  # download URL hash -> what it serves
        self._delivery_failures: deque[int] = deque()
        self._conversations: dict[str, str] = {}

    # Scripting
    def fail_delivery(self, code: int = 131026, times: int = 1) -> None:
        """Make the next `times` accepted messages end in a `failed` status webhook."""
        with self._lock:
            self._delivery_failures.extend([code] * times)

    def _check_operation(self, operation: str) -> None:
        if operation == "check_number":
            raise ValueError("the Cloud API has no contacts check: Client.check_number never "
                             "calls the engine, so there is nothing to script")
        super()._check_operation(operation)

    def _failure(self, failure: Failure, request: RecordedRequest) -> Reply:
        """The canned Graph error for `code`, or for the status (504 -> code 2, 429 -> 80007,
        401 -> 190, 503 -> 131016, ...), sent with the scripted status."""
        if failure.body is not None:
            return _graph(failure.status, failure.body)
        code = failure.code
        if code is None:
            code = CODE_FOR_STATUS.get(failure.status, 131000 if failure.status >= 500 else 100)
        base = KNOWN_ERRORS.get(code) or GraphError(failure.status, code,
                                                    f"(#{code}) Scripted error")
        return _error(replace(base, status=failure.status))

    # Webhooks
    def receive_text(self, wa_id: str, text: str, *, push_name: str = "Cliente",
                     session: str | None = None) -> str:
        """A customer's text message, posted like text.json; returns its message id.

        session: unused, the emulator plays one phone number.
        """
        message_id = new_inbound_message_id(wa_id)
        value = self._value()
        value["contacts"] = [{"profile": {"name": push_name}, "wa_id": wa_id}]
        value["messages"] = [{"from": wa_id, "id": message_id, "timestamp": str(int(time.time())),
                              "type": "text", "text": {"body": text}}]
        if self.webhook_url:
            self._queue_webhook(self.webhook_url, self._envelope(value))
        return message_id

    def receive_media(self, wa_id: str, data: bytes, *, kind: str = "image",
                      mimetype: str | None = None, filename: str | None = None,
                      caption: str = "", inline: bool | None = None,
                      duration: float | None = None, push_name: str = "Cliente",
                      session: str | None = None, with_url: bool = False) -> str:
        """A customer's file, posted like image.json / audio-voice.json; returns the message id.

        The Cloud API never puts the file in a webhook (`inline` is ignored) nor its
        duration; the media id's URL serves it. with_url: add the download `url` beside
        the id, as newer API versions do.
        """
        if kind not in KIND_TYPES:
            raise ValueError(f"unknown media kind {kind!r}")
        mimetype = mimetype or guess_mimetype(data, kind)
        message_id = new_inbound_message_id(wa_id)
        media_id = str(10**15 + secrets.randbelow(9 * 10**15))
        with self._lock:
            self._media_ids[media_id] = message_id
        self._keep_media(message_id, data, mimetype, filename)
        kind_type = KIND_TYPES[kind]
        part: dict[str, Any] = {"mime_type": mimetype, "sha256": _sha256(data), "id": media_id}
        if with_url:
            part["url"] = self._media_url_for(media_id)
        if caption and kind_type in ("image", "video", "document"):
            part["caption"] = caption
        if kind_type == "document":
            part["filename"] = filename or "arquivo"
        if kind_type == "audio":
            part["voice"] = kind == "voice"
        if kind_type == "sticker":
            part["animated"] = False
        value = self._value()
        value["contacts"] = [{"profile": {"name": push_name}, "wa_id": wa_id}]
        value["messages"] = [{"from": wa_id, "id": message_id,
                              "timestamp": str(int(time.time())), "type": kind_type,
                              kind_type: part}]
        if self.webhook_url:
            self._queue_webhook(self.webhook_url, self._envelope(value))
        return message_id

    def receive_location(self, wa_id: str, latitude: float, longitude: float, *,
                         name: str = "", address: str = "", push_name: str = "Cliente",
                         session: str | None = None) -> str:
        """A shared place, like location.json (a pin has only the coordinates)."""
        place: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        place |= {k: v for k, v in (("name", name), ("address", address)) if v}
        return self._receive_message(wa_id, "location", place, push_name)

    def receive_contacts(self, wa_id: str, cards: Sequence[tuple[str, Sequence[str]]], *,
                         push_name: str = "Cliente", session: str | None = None) -> str:
        """Shared cards, like contacts.json: formatted name, each phone with its wa_id."""
        listed = [{"name": {"formatted_name": name, "first_name": name.split(" ")[0]},
                   "phones": [{"phone": phone, "type": "CELL",
                               "wa_id": "".join(ch for ch in phone if ch.isdigit())}
                              for phone in phones]}
                  for name, phones in cards]
        return self._receive_message(wa_id, "contacts", listed, push_name)

    def _receive_message(self, wa_id: str, kind_type: str, part: Any, push_name: str) -> str:
        message_id = new_inbound_message_id(wa_id)
        value = self._value()
        value["contacts"] = [{"profile": {"name": push_name}, "wa_id": wa_id}]
        value["messages"] = [{"from": wa_id, "id": message_id,
                              "timestamp": str(int(time.time())), "type": kind_type,
                              kind_type: part}]
        if self.webhook_url:
            self._queue_webhook(self.webhook_url, self._envelope(value))
        return message_id

    def expire_media_urls(self) -> None:
        """Every download URL handed out so far stops working, as Meta's do after minutes."""
        with self._lock:
            for issued in self._media_urls.values():
                issued.expires_at = 0.0

    def _media_url_for(self, media_id: str) -> str:
        token = secrets.token_urlsafe(24)
        expires = time.time() + self.media_url_ttl
        with self._lock:
            self._media_urls[token] = _MediaUrl(media_id, expires)
        query = urlencode({"mid": media_id, "ext": int(expires), "hash": token})
        return f"{self.base_url}{ATTACHMENTS_PATH}?{query}"

    def _media_file(self, media_id: str) -> _Upload | None:
        """A file Meta still has under this media id: received from a customer, or uploaded."""
        with self._lock:
            if media_id in self.uploads:
                return self.uploads[media_id]
            message_id = self._media_ids.get(media_id)
            stored = self.received_media.get(message_id or "")
            if stored is None or stored.gone:
                return None
            return _Upload(stored.filename or "", stored.mimetype, stored.data)

    def status_webhook(self, message_id: str, wa_id: str, status: str,
                       error_code: int | None = None,
                       callback_data: str | None = None) -> dict[str, Any]:
        """A status body like status-<status>.json for one of our messages."""
        item: dict[str, Any] = {"id": message_id, "status": status,
                                "timestamp": str(int(time.time())), "recipient_id": wa_id}
        if callback_data is not None:
            item["biz_opaque_callback_data"] = callback_data
        if status == "failed":
            title, details = DELIVERY_ERRORS.get(error_code or 131026,
                                                 ("Message failed to send", "Message failed"))
            item["errors"] = [{"code": error_code or 131026, "title": title, "message": title,
                               "error_data": {"details": details}, "href": ERROR_HREF}]
        else:
            item["conversation"] = self._conversation(wa_id, first=status == "sent")
            item["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
        value = self._value()
        value["statuses"] = [item]
        return self._envelope(value)

    def _conversation(self, wa_id: str, *, first: bool) -> dict[str, Any]:
        with self._lock:
            conversation_id = self._conversations.setdefault(wa_id, secrets.token_hex(15))
        conversation: dict[str, Any] = {"id": conversation_id}
        if first:
            conversation["expiration_timestamp"] = str(int(time.time()) + 24 * 3600)
        conversation["origin"] = {"type": "service"}
        return conversation

    def _value(self) -> dict[str, Any]:
        return {"messaging_product": "whatsapp",
                "metadata": {"display_phone_number": self.display_phone_number,
                             "phone_number_id": self.phone_number_id}}

    def _envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        return {"object": "whatsapp_business_account",
                "entry": [{"id": self.waba_id, "changes": [{"value": value,
                                                            "field": "messages"}]}]}

    def _queue_statuses(self, message_id: str, wa_id: str, failure: int | None,
                        callback_data: str | None) -> None:
        """What Meta posts after accepting a message, in order, from the background."""
        if not self.webhook_url:
            return
        if failure is not None:
            steps = [("failed", failure)]
        else:
            steps = [("sent", None)]
            if self.auto_ack:
                steps += [("delivered", None), ("read", None)]
        for status, code in steps:
            self._queue_webhook(self.webhook_url,
                                self.status_webhook(message_id, wa_id, status, code, callback_data))

    def _webhook_destination(self, body: Any) -> tuple[str | None, dict[str, str]]:
        return self.webhook_url, {}

    def _encode_webhook(self, body: Any) -> tuple[bytes, dict[str, str]]:
        """Compact JSON, signed over its exact bytes when `app_secret` is set."""
        raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua"}
        if self.app_secret:
            headers["X-Hub-Signature-256"] = sign(raw, self.app_secret)
            headers["X-Hub-Signature"] = "sha1=" + hmac.new(
                self.app_secret.encode(), raw, hashlib.sha1).hexdigest()
        return raw, headers

    # Serving
    def _operation_of(self, method: str, path: str, body: Any) -> str | None:
        return self._route(method, path, body)[0]

    def _answer(self, request: RecordedRequest) -> Reply | None:
        """Meta's edge checks the token, then the path, before any work (or hang)."""
        operation, route = self._route(request.method, request.path, request.json)
        refused = self._auth_error(request) or (route if isinstance(route, GraphError) else None)
        return self._scripted([operation] if operation else [], request,
                              lambda: route(request) if callable(route) else None,
                              refusal=_error(refused) if refused else None)

    def _route(self, method: str, path: str, body: Any) -> tuple[str | None, _Route | GraphError]:
        """Which operation a request is, and who answers it (or why it cannot be)."""
        if method == "GET" and path == ATTACHMENTS_PATH:
            return "media_download", self._download
        parts = [part for part in path.split("/") if part]
        if not parts or not VERSION.fullmatch(parts[0]):
            return None, _unknown_path(path)
        node, edge = parts[1:2], parts[2:]
        if method == "GET" and len(parts) == 2 and node[0].isdigit() \
                and node != [self.phone_number_id]:
            return "media_url", self._media_metadata
        if node != [self.phone_number_id]:
            return None, _unsupported(method, node[0] if node else "")
        if method == "GET" and not edge:
            return "status", self._phone_number
        if method == "POST" and edge == ["messages"]:
            kind = body.get("type") if isinstance(body, dict) else None
            media = isinstance(kind, str) and kind in MEDIA_TYPES
            return ("send_media" if media else "send_text"), self._send
        if method == "POST" and edge == ["media"]:
            return "upload", self._upload
        if len(edge) == 1 and edge[0] in ("messages", "media"):
            return None, _unsupported(method, self.phone_number_id)
        return None, _unknown_path(path)

    def _auth_error(self, request: RecordedRequest) -> GraphError | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "oauth"):
            token = request.query.get("access_token", "")
        token = token.strip()
        if not token:
            return KNOWN_ERRORS[104]
        return None if token in self.accepted_secrets else KNOWN_ERRORS[190]

    def _phone_number(self, request: RecordedRequest) -> Reply:
        info = {"verified_name": self.verified_name, "code_verification_status": "VERIFIED",
                "display_phone_number": self.display_phone_number, "quality_rating": "GREEN",
                "platform_type": "CLOUD_API", "throughput": {"level": "STANDARD"},
                "status": self.phone_status, "id": self.phone_number_id}
        wanted = request.query.get("fields")
        if wanted:
            names = {name.strip() for name in wanted.split(",")} | {"id"}
            info = {key: value for key, value in info.items() if key in names}
        else:
            info.pop("status")  # not among the default fields
        return _graph(200, info)

    def _send(self, request: RecordedRequest) -> Reply:
        body = request.json
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            return _error(_invalid("The parameter messaging_product is required."))
        to = body.get("to")
        if not isinstance(to, str) or not 0 < len(_digits(to)) <= 20:
            return _error(_invalid("The parameter to is required."))
        content = self._content(body)
        if isinstance(content, GraphError):
            return _error(content)
        digits = _digits(to)
        wa_id = self.registered.get(digits, digits)
        if self.allowed_recipients is not None and (wa_id or digits) not in self.allowed_recipients:
            return _error(KNOWN_ERRORS[131030])
        # Meta echoes this sender-chosen tag in every status of the message.
        tag = body.get("biz_opaque_callback_data")
        content["callback_data"] = tag if isinstance(tag, str) else None
        return _graph(200, self._deliver(to, wa_id or digits, wa_id is None, content))

    def _deliver(self, to: str, wa_id: str, unknown_number: bool,
                 content: dict[str, Any]) -> dict[str, Any]:
        """Accept a message: it has reached WhatsApp whatever happens to the answer."""
        message_id = new_message_id(wa_id)
        upload: _Upload | None = content.pop("upload", None)
        with self._lock:
            self.delivered.append({"to": to, "wa_id": wa_id, **content,
                                   "engine_message_id": message_id})
            failure = self._delivery_failures.popleft() if self._delivery_failures else None
        media = content.get("media")
        if media is not None:
            self._record_media_send(MediaSend(
                to=wa_id, kind="voice" if media["voice"] else media["kind"],
                data=upload.data if upload else None,
                mimetype=upload.mime_type if upload else None,
                filename=media["filename"] or (upload.filename if upload else None),
                caption=media["caption"] or "", voice=media["voice"],
                engine_message_id=message_id, url=media["link"]))
        if unknown_number:
            failure = failure or 131026
        self._queue_statuses(message_id, wa_id, failure, content["callback_data"])
        return {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": wa_id}],
                "messages": [{"id": message_id}]}

    def _content(self, body: dict[str, Any]) -> dict[str, Any] | GraphError:
        """What a send carries (`type`, `text` or `media`), or why it is invalid."""
        kind = body.get("type", "text")
        if not isinstance(kind, str):
            return _invalid("The parameter type must be a string.")
        part = body.get(kind)
        if kind == "text":
            text = part.get("body") if isinstance(part, dict) else None
            if not isinstance(text, str) or not text:
                return _invalid("The parameter text['body'] is required.")
            return {"type": "text", "text": text, "media": None}
        if kind not in MEDIA_TYPES:
            return _invalid(f"Unsupported message type {kind!r}.")
        if not isinstance(part, dict) or ("id" in part) == ("link" in part):
            return _invalid(f"Exactly one of {kind}['id'] or {kind}['link'] is required.")
        return self._media(kind, part)

    def _media(self, kind: str, part: dict[str, Any]) -> dict[str, Any] | GraphError:
        media: dict[str, Any] = {"kind": kind, "link": part.get("link"), "id": part.get("id"),
                                 "caption": part.get("caption"), "filename": part.get("filename"),
                                 "voice": kind == "audio" and part.get("voice") is True}
        upload = None
        if media["id"] is not None:
            upload = self.uploads.get(str(media["id"]))
            if upload is None:
                return _invalid(f"Param {kind}['id'] is not a valid media id.")
            media |= {"mime_type": upload.mime_type, "size": len(upload.data)}
        return {"type": kind, "text": None, "media": media, "upload": upload}

    def _media_metadata(self, request: RecordedRequest) -> Reply:
        """GET /<media id>: a fresh download URL for a file Meta still has."""
        media_id = [part for part in request.path.split("/") if part][1]
        wanted = request.query.get("phone_number_id")
        found = self._media_file(media_id)
        if found is None or (wanted is not None and wanted != self.phone_number_id):
            return _error(_unsupported("GET", media_id))
        return _graph(200, {"messaging_product": "whatsapp",
                            "url": self._media_url_for(media_id), "mime_type": found.mime_type,
                            "sha256": hashlib.sha256(found.data).hexdigest(),
                            "file_size": len(found.data), "id": media_id})

    def _download(self, request: RecordedRequest) -> Reply:
        """The lookaside URL: the bytes while it is fresh and the file exists, else a 404."""
        with self._lock:
            issued = self._media_urls.get(request.query.get("hash", ""))
        found = None
        if issued is not None and issued.expires_at > time.time() \
                and request.query.get("mid") == issued.media_id:
            found = self._media_file(issued.media_id)
        if found is None:
            return Reply(404, b"", {"Content-Type": "text/html; charset=utf-8"})
        return Reply(200, found.data, {"Content-Type": found.mime_type,
                                       "Content-Disposition": "attachment"})

    def _upload(self, request: RecordedRequest) -> Reply:
        form, uploads = _parse_multipart(request.headers.get("content-type", ""), request.raw)
        if form.get("messaging_product") != "whatsapp":
            return _error(_invalid("The parameter messaging_product is required."))
        upload = uploads.get("file")
        if upload is None:
            return _error(_invalid("The parameter file is required."))
        if not form.get("type"):
            return _error(_invalid("The parameter type is required."))
        media_id = str(10**15 + secrets.randbelow(9 * 10**15))
        with self._lock:
            self.uploads[media_id] = replace(upload, mime_type=form["type"])
        return _graph(200, {"id": media_id})


def _sha256(data: bytes) -> str:
    """The file's SHA-256 as the webhooks write it: base64."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _graph(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Reply:
    """A Graph API answer: JSON, with the trace id Meta puts on every one."""
    return Reply(status, json.dumps(body).encode(),
                 {"Content-Type": "application/json; charset=UTF-8",
                  "x-fb-trace-id": secrets.token_urlsafe(8), **(headers or {})})


def _error(error: GraphError) -> Reply:
    headers: dict[str, str] = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = (f'OAuth "Facebook Platform" "invalid_token" '
                                       f'"{error.message}"')
    return _graph(error.status, error.body(), headers)


def _unknown_path(path: str) -> GraphError:
    return GraphError(400, 2500, f"Unknown path components: {path}")


def _unsupported(method: str, node: str) -> GraphError:
    return GraphError(400, 100, f"Unsupported {method.lower()} request. Object with ID "
                      f"'{node}' does not exist, cannot be loaded due to missing permissions, "
                      "or does not support this operation.", type="GraphMethodException",
                      subcode=33)


def _parse_multipart(content_type: str, raw: bytes) -> tuple[dict[str, str], dict[str, _Upload]]:
    """Fields and files of a multipart/form-data body (stdlib: the email parser)."""
    if not content_type.startswith("multipart/form-data"):
        return {}, {}
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw)
    fields: dict[str, str] = {}
    files: dict[str, _Upload] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = data.decode("utf-8", "replace")
        else:
            files[name] = _Upload(filename, part.get_content_type(), data)
    return fields, files
