"""Evolution API v2 REST client: Ponte's engine interface over Evolution's paths.

Evolution takes the `apikey` header on every call (the global key or the
instance's token) and names the instance in the path. Errors come as
`{status, error, response: {message}}`; a reverse proxy in front of it answers
502/503/504 with HTML; a few controllers catch their own errors and answer 200
`{error: true, message}`. Shapes: `fixtures/evolution/rest.*.json`.

A file is fetched with `chat/getBase64FromMediaMessage` by the message's id
(Evolution keeps received messages in its database and decrypts the file from
WhatsApp's servers, asking the phone to upload it again when they dropped it).
That route turns every failure into a 400 with the error's text: a message it
does not have, or a file nobody has any more, are `media_gone`; a closed
connection is transient.

Evolution has no "close but stay paired": `close_session` restarts the instance
(drops the WhatsApp socket and reconnects with the same pairing), `logout`
unpairs it. A `close` connection state is read together with the last close's
reason code (fetchInstances), since only that tells a logout from a drop.
"""

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from ponte.engines.base import (
    DEFAULT_TIMEOUT,
    Credentials,
    DownloadedMedia,
    EngineClient,
    EngineError,
    MediaReference,
    MediaTooLarge,
    NumberCheck,
    OutboundMedia,
    RecentMessage,
    Recorder,
    Sent,
    SessionStatus,
    base64_answer_limit,
    decode_media_base64,
)
from ponte.engines.reading import qr_image, web_url

JID_SUFFIX = "@s.whatsapp.net"
# What Ponte's ingest understands (see webhook.py); everything else is noise.
WEBHOOK_EVENTS = (
    "QRCODE_UPDATED", "CONNECTION_UPDATE", "MESSAGES_UPSERT", "MESSAGES_UPDATE",
    "MESSAGES_DELETE", "SEND_MESSAGE",
)
# Close codes after which Evolution waits for a new QR scan (Baileys' loggedOut and kin).
LOGGED_OUT_CODES = frozenset({401, 402, 403, 406, 408})
# Statuses worth retrying as they are, besides every 5xx.
TRANSIENT_STATUSES = frozenset({408, 425, 429})
# Ponte's media kinds as Evolution's `mediatype` (voice notes and stickers have routes
# of their own).
MEDIA_TYPES = {"image": "image", "document": "document", "video": "video", "audio": "audio"}
# getBase64FromMediaMessage's 400s that a reconnect can cure; any other one means the
# file is gone.
_CONNECTION_WORDS = ("Connection Closed", "is not connected", "Connection Failure")


class Client(EngineClient):
    """One Evolution instance (`credentials.session`); the apikey is `credentials.secret`."""

    def __init__(self, credentials: Credentials, *, http: httpx.AsyncClient | None = None,
                 recorder: Recorder | None = None, timeout: httpx.Timeout = DEFAULT_TIMEOUT,
                 ) -> None:
        super().__init__(credentials, http=http, recorder=recorder, timeout=timeout)
        self._apikey = credentials.secret

    # Messages
    async def send_text(self, wa_id: str, text: str) -> Sent:
        body = await self._call("POST", "message/sendText", "send text", send=True,
                                json={"number": _number(wa_id), "text": text})
        return _sent(body, "send text")

    async def send_media(self, wa_id: str, media: OutboundMedia) -> Sent:
        """Bytes travel as bare base64 (Evolution rejects data: URLs); else the URL."""
        if media.data is not None:
            source = base64.b64encode(media.data).decode()
        elif media.url:
            source = media.url
        else:
            raise ValueError("media needs data or a url")
        action = f"send {media.kind}"
        if media.kind == "voice":
            # Evolution converts it to OGG/Opus (ffmpeg) and sends it as a voice note.
            body = await self._call("POST", "message/sendWhatsAppAudio", action, send=True,
                                    json={"number": _number(wa_id), "audio": source})
            return _sent(body, action)
        if media.kind == "sticker":
            body = await self._call("POST", "message/sendSticker", action, send=True,
                                    json={"number": _number(wa_id), "sticker": source})
            return _sent(body, action)
        if media.kind not in MEDIA_TYPES:
            raise ValueError(f"unsupported media kind {media.kind!r}")
        payload: dict[str, Any] = {
            "number": _number(wa_id), "mediatype": MEDIA_TYPES[media.kind],
            "mimetype": media.mimetype, "media": source, "fileName": media.filename,
        }
        if media.caption:
            payload["caption"] = media.caption
        body = await self._call("POST", "message/sendMedia", action, send=True, json=payload)
        return _sent(body, action)

    async def download_media(self, reference: MediaReference, *,
                             max_bytes: int | None = None) -> DownloadedMedia:
        """getBase64FromMediaMessage by the message id: the file, its type and name."""
        message = {"key": {"id": reference.engine_message_id, "fromMe": reference.from_me}}
        try:
            body = await self._call("POST", "chat/getBase64FromMediaMessage", "download media",
                                    json={"message": message, "convertToMp4": False},
                                    max_bytes=base64_answer_limit(max_bytes),
                                    failure=_download_failure)
        except MediaTooLarge:
            raise MediaTooLarge("download media: the file", max_bytes or 0) from None
        body = body if isinstance(body, dict) else {}
        data = decode_media_base64(body.get("base64"), "download media", max_bytes=max_bytes)
        mimetype, filename = body.get("mimetype"), body.get("fileName")
        return DownloadedMedia(
            data=data,
            mimetype=mimetype if isinstance(mimetype, str) and mimetype else reference.mimetype,
            filename=filename if isinstance(filename, str) and filename else None)

    async def check_number(self, digits: str) -> NumberCheck:
        """Evolution asks WhatsApp for both ninth-digit forms and names the one that exists."""
        body = await self._call("POST", "chat/whatsappNumbers", "check number",
                                json={"numbers": [_number(digits)]})
        items = body if isinstance(body, list) else []
        found = next((item for item in items if isinstance(item, dict)), None)
        if found is None or found.get("exists") is not True:
            return NumberCheck(exists=False, wa_id=None)
        jid = found.get("jid")
        return NumberCheck(exists=True, wa_id=_user(jid) if isinstance(jid, str) and jid
                           else _number(digits))

    async def profile_picture(self, wa_id: str) -> str | None:
        body = await self._call("POST", "chat/fetchProfilePictureUrl", "profile picture",
                                json={"number": _number(wa_id)})
        return web_url(body.get("profilePictureUrl") if isinstance(body, dict) else None)

    async def recent_message_ids(self, wa_id: str, limit: int = 20) -> list[str]:
        return [m.engine_message_id for m in await self.recent_messages(wa_id, limit)]

    async def recent_messages(self, wa_id: str, limit: int = 20) -> list[RecentMessage]:
        body = await self._call("POST", "chat/findMessages", "recent messages",
                                json={"where": {"key": {"remoteJid": _jid(wa_id)}},
                                      "page": 1, "offset": limit})
        found = []
        for record in _records(body):
            key = record.get("key")
            if not isinstance(key, dict) or not isinstance(key.get("id"), str):
                continue
            content = record.get("message") if isinstance(record.get("message"), dict) else {}
            extended = content.get("extendedTextMessage")
            text = content.get("conversation") or (
                extended.get("text") if isinstance(extended, dict) else "") or ""
            found.append(RecentMessage(key["id"], bool(key.get("fromMe")), str(text)))
        return found[:limit]

    # Session
    async def authenticate(self, secret: str) -> None:
        """A connectionState call with this apikey; kept for later calls when it works."""
        await self._call("GET", "instance/connectionState", "check apikey", apikey=secret)
        self._apikey = secret

    async def session_status(self) -> SessionStatus:
        body = await self._call("GET", "instance/connectionState", "session status")
        instance = body.get("instance") if isinstance(body, dict) else None
        state = instance.get("state") if isinstance(instance, dict) else None
        if state == "open":
            return SessionStatus("connected", detail="open")
        if state == "connecting":
            return SessionStatus("starting", detail="connecting")
        if state == "close":
            code = await self._last_close_code()
            lost = code is None or code in LOGGED_OUT_CODES
            detail = "close" if code is None else f"close (statusReason {code})"
            return SessionStatus("notlogged" if lost else "disconnected", detail=detail)
        return SessionStatus("disconnected", detail=str(state or "unknown"))

    async def start_session(self, webhook_url: str) -> SessionStatus:
        """Webhook first, so the QR code and connection events reach Ponte; then connect."""
        if webhook_url:
            await self.configure_webhook(webhook_url)
        return await self.qr_code()

    async def qr_code(self) -> SessionStatus:
        """Instance connect: the QR code while pairing, the state once paired."""
        body = await self._call("GET", "instance/connect", "connect")
        return _connect_status(body)

    async def close_session(self) -> None:
        """Restart the instance; one that is not connected has nothing to close."""
        try:
            await self._call("POST", "instance/restart", "restart")
        except EngineError as exc:
            if not _not_connected(exc):
                raise

    async def logout(self) -> None:
        """Unpair the number; an instance already closed answers 400, which is done too."""
        try:
            await self._call("DELETE", "instance/logout", "logout")
        except EngineError as exc:
            if not _not_connected(exc):
                raise

    async def configure_webhook(self, url: str) -> None:
        hook = {"enabled": True, "url": url, "byEvents": False, "base64": False,
                "events": list(WEBHOOK_EVENTS)}
        await self._call("POST", "webhook/set", "configure webhook", json={"webhook": hook})

    # Plumbing
    async def _last_close_code(self) -> int | None:
        """The disconnection reason fetchInstances keeps for this instance, if any."""
        body = await self._call("GET", "instance/fetchInstances", "session status",
                                per_instance=False,
                                params={"instanceName": self.credentials.session})
        records = body if isinstance(body, list) else [body]
        for record in records:
            if isinstance(record, dict) and record.get("name") == self.credentials.session:
                code = record.get("disconnectionReasonCode")
                return code if isinstance(code, int) and not isinstance(code, bool) else None
        return None

    async def _call(self, method: str, resource: str, action: str, *, apikey: str | None = None,
                    send: bool = False, per_instance: bool = True,
                    failure: Callable[[str, int, Any], EngineError] | None = None,
                    **kwargs: Any) -> Any:
        """One call with the apikey header; the JSON answer, or EngineError.

        `action` names the call in errors: short and fixed, never content or keys.
        `failure` reads a route's own error answers (default: `_failure`).
        """
        path = f"/{resource}"
        if per_instance:
            path += "/" + quote(self.credentials.session, safe="")
        response = await self.request(method, path, headers={"apikey": apikey or self._apikey},
                                      unknown_outcome_on_timeout=send, **kwargs)
        body = _json(response)
        if not response.is_success:
            raise (failure or _failure)(action, response.status_code, body)
        if isinstance(body, dict) and body.get("error") is True:
            # connect and restart catch their own errors and answer 200 with them.
            raise EngineError(f"{action}: {_message(body) or 'engine error'}",
                              status_code=response.status_code)
        return body


def _failure(action: str, status: int, body: Any) -> EngineError:
    """Status and body to the error flags that drive Ponte's retries."""
    if status in (401, 403):
        return EngineError(f"{action}: the engine refused the apikey (HTTP {status})",
                           status_code=status, auth=True)
    detail = _message(body) or f"HTTP {status}"
    kind = "not_connected" if "is not connected" in detail else ""
    if status >= 500 or status in TRANSIENT_STATUSES:
        return EngineError(f"{action}: {detail}", status_code=status, transient=True, kind=kind)
    return EngineError(f"{action}: {detail}", status_code=status, kind=kind)


def _download_failure(action: str, status: int, body: Any) -> EngineError:
    """getBase64FromMediaMessage wraps every error in a 400: most mean the file is gone."""
    if status != 400:
        return _failure(action, status, body)
    words = _message(body)
    if any(word in words for word in _CONNECTION_WORDS):
        return EngineError(f"{action}: the WhatsApp connection is closed", status_code=status,
                           transient=True, kind="not_connected")
    # The words name WhatsApp's media URL and the message; only their start is kept.
    return EngineError(f"{action}: the engine no longer has the file ({words[:40]})",
                       status_code=status, kind="media_gone")


def _message(body: Any) -> str:
    """The engine's own words: `response.message` (a string or a list) or `message`."""
    if not isinstance(body, dict):
        return ""
    inner = body.get("response")
    raw = inner.get("message") if isinstance(inner, dict) else body.get("message")
    items = raw if isinstance(raw, list) else [raw]
    words = []
    for item in items:
        if isinstance(item, str) and item:
            words.append(item)
        elif isinstance(item, dict) and item.get("exists") is False:
            # sendText's check found no WhatsApp account; its body names the number.
            words.append("number is not on WhatsApp")
    return "; ".join(words)[:200]


def _not_connected(exc: EngineError) -> bool:
    return not (exc.transient or exc.auth or exc.outcome_unknown) \
        and "is not connected" in exc.detail


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _sent(body: Any, action: str) -> Sent:
    key = body.get("key") if isinstance(body, dict) else None
    message_id = key.get("id") if isinstance(key, dict) else None
    if not isinstance(message_id, str) or not message_id:
        # A 2xx means Evolution took it: only reconciliation can tell which message it is.
        raise EngineError(f"{action}: accepted without a message id", outcome_unknown=True)
    remote = key.get("remoteJid")
    return Sent(engine_message_id=message_id,
                wa_id=_user(remote) if isinstance(remote, str) and remote else "")


def _records(body: Any) -> list[dict[str, Any]]:
    """findMessages' `messages.records` (2.x), or the bare list older versions sent."""
    if isinstance(body, dict):
        messages = body.get("messages")
        body = messages.get("records") if isinstance(messages, dict) else messages
    return [r for r in body if isinstance(r, dict)] if isinstance(body, list) else []


def _connect_status(body: Any) -> SessionStatus:
    """What connect answered, as a session state.

    `{pairingCode, code, base64, count}` while pairing, connectionState's
    `{instance: {state}}` once open, a bare `{count: 0}` while reconnecting.
    """
    if not isinstance(body, dict):
        return SessionStatus("starting", detail="connecting")
    qr = body.get("base64")
    if not qr and isinstance(body.get("qrcode"), dict):
        qr = body["qrcode"].get("base64")
    if isinstance(qr, str) and qr:
        return SessionStatus("qrcode", qr=qr_image(qr), detail="connecting")
    instance = body.get("instance") if isinstance(body.get("instance"), dict) else {}
    state = instance.get("state") or instance.get("status")
    if state == "open":
        return SessionStatus("connected", detail="open")
    if state in ("close", "refused"):
        return SessionStatus("disconnected", detail=state)
    return SessionStatus("starting", detail="connecting")


def _number(wa_id: str) -> str:
    """What Evolution's `number` takes: the digits of a phone or of a JID's user part."""
    user = _user(wa_id.strip())
    digits = "".join(ch for ch in user if ch.isdigit())
    return digits or user


def _jid(wa_id: str) -> str:
    return wa_id if "@" in wa_id else _number(wa_id) + JID_SUFFIX


def _user(jid: str) -> str:
    """`553187654321@s.whatsapp.net` (or with a `:device` suffix) to `553187654321`."""
    return jid.split("@", 1)[0].split(":", 1)[0]
