"""WPPConnect Server REST client: Ponte's `EngineClient` over httpx.

Authentication is per session: `POST /api/<session>/<secret>/generate-token`
answers a bcrypt-shaped token (bcrypt of session + SECRET_KEY), sent as a
bearer token from then on. The token stays good for as long as the server
keeps that secret, so a 401 later means the server's secret changed (or the
token was never ours): the client regenerates once with the last secret that
worked and tries again, and only then reports `auth`.

How answers become results or errors (the details are in `captured/CAPTURED.md`):

- 2xx: the result. A send that answers 201 without a message id counts as
  outcome unknown: it went out, but nothing ties it to our row.
- 401/403 from the token check (`{"message": "Token is not present..."}` or
  `{"error": "Check that the Session and Token are correct"}`) and 400 "The
  SECRET_KEY is incorrect" from generate-token: `auth`. Some routes answer 401
  for their own failures (`"Error on open list"`, `"Sending the file is
  mandatory"`); those are not about credentials.
- 404 `{"status": "Disconnected"}`: the session is not connected right now.
  That is transient: the supervisor reconnects and the send can wait.
- download-media answers 400 when WhatsApp Web cannot find the message or
  WhatsApp's servers no longer have the file ("Message not found", "Decrypt
  file error"): `media_gone`, never retried.
- 5xx (the engine's own 500s, or a proxy's 502/503/504) and refused
  connections: transient. A read timeout on a send: outcome unknown.
- Anything else: permanent, with the engine's message as detail.

The diagnostic log gets every call as a `CallRecord` whose path hides the
secret and phone numbers, and whose error text is ours (short, without
secrets, tokens or message content), never the engine's raw body.
"""

import base64
import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote

import httpx

from ponte.engines.base import (
    DEFAULT_TIMEOUT,
    CallRecord,
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
from ponte.engines.events import SessionState
from ponte.engines.reading import as_dict, qr_image, web_url
from ponte.engines.wppconnect.webhook import STATUS_FIND_STATES
from ponte.text import clip_error

# status-session's own words; older servers also put status-find words there.
_STATES: dict[str, SessionState] = {
    "CONNECTED": "connected",
    "QRCODE": "qrcode",
    "PHONECODE": "qrcode",  # waiting for the pairing code: the user still has to link
    "INITIALIZING": "starting",
    "CLOSED": "disconnected",
}
_TOKEN_REFUSALS = ("Token is not present", "Check that the Session and Token are correct",
                   "Session not informed")
_DIGIT_RUN = re.compile(r"\d{8,}")
# download-media's own 400s: the message is not in WhatsApp Web, or its file cannot be
# fetched and decrypted any more (WhatsApp's servers dropped it).
_MEDIA_GONE = ("Message not found", "Decrypt file error", "Message does not contain media")
# wa-js's file types, so a document that is an image still goes as a document.
_FILE_TYPES = {"image": "image", "document": "document", "audio": "audio", "video": "video",
               "sticker": "sticker"}




class Client(EngineClient):
    """One WPPConnect session, as Ponte's engine interface."""

    supports_history = True  # get-messages lets a lost send be found again

    def __init__(self, credentials: Credentials, *, http: httpx.AsyncClient | None = None,
                 recorder: Recorder | None = None, timeout: httpx.Timeout = DEFAULT_TIMEOUT,
                 ) -> None:
        super().__init__(credentials, http=http, recorder=None, timeout=timeout)
        self._good_secret = credentials.secret
        self._sink = recorder
        self._held: CallRecord | None = None
        # base.request records the engine's raw error body; hold each record
        # until we know what happened and can write a safe text instead.
        self.recorder = self._hold if recorder is not None else None

    # -- messages ------------------------------------------------------------------

    async def send_text(self, wa_id: str, text: str) -> Sent:
        body = {**_recipient(wa_id), "message": text}
        response = await self._api("POST", "send-message", "send text", json=body, send=True)
        return _sent(response)

    async def send_media(self, wa_id: str, media: OutboundMedia) -> Sent:
        action, body = _media_request(wa_id, media)
        response = await self._api("POST", action, f"send {media.kind}", json=body, send=True)
        return _sent(response)

    async def download_media(self, reference: MediaReference, *,
                             max_bytes: int | None = None) -> DownloadedMedia:
        """download-media with the message's full key: the file as base64 and its type.

        The server finds the message in WhatsApp Web and decrypts its file from
        WhatsApp's servers, so this works whether or not autoDownload is on.
        """
        key = message_key(reference)
        try:
            response = await self._api("POST", "download-media", "download media",
                                       json={"messageId": key},
                                       max_bytes=base64_answer_limit(max_bytes),
                                       gone=_is_media_gone)
        except MediaTooLarge:
            raise MediaTooLarge("download media: the file", max_bytes or 0) from None
        body = _json(response)
        data = decode_media_base64(body.get("base64"), "download media", max_bytes=max_bytes)
        mimetype = body.get("mimetype")
        return DownloadedMedia(data=data, mimetype=mimetype if isinstance(mimetype, str)
                               and mimetype else reference.mimetype)

    async def check_number(self, digits: str) -> NumberCheck:
        number = re.sub(r"\D", "", digits)
        if not number:
            raise EngineError("check number: no digits to check")
        response = await self._api("GET", f"check-number-status/{number}", "check number",
                                   shown="check-number-status/<phone>")
        found = as_dict(_json(response).get("response"))
        if found.get("numberExists") is not True:
            return NumberCheck(exists=False, wa_id=None)
        wa_id = _user_part(found.get("id"))
        if not wa_id:
            raise EngineError("check number: the engine named no WhatsApp id",
                              status_code=response.status_code)
        return NumberCheck(exists=True, wa_id=wa_id)

    async def recent_message_ids(self, wa_id: str, limit: int = 20) -> list[str]:
        return [message.engine_message_id for message in await self.recent_messages(wa_id, limit)]

    async def recent_messages(self, wa_id: str, limit: int = 20) -> list[RecentMessage]:
        """The chat's latest messages, oldest first, as the engine lists them."""
        chat = quote(_chat_id(wa_id), safe="@.")
        response = await self._api("GET", f"get-messages/{chat}", "recent messages",
                                   shown="get-messages/<chat>",
                                   params={"count": str(limit), "direction": "before"},
                                   tolerate=_is_unknown_chat)
        if _is_unknown_chat(response):
            return []  # WhatsApp Web holds no such chat, so nothing of ours is in it
        messages = _json(response).get("response")
        return [m for m in map(_recent, messages if isinstance(messages, list) else []) if m]

    async def profile_picture(self, wa_id: str) -> str | None:
        number = re.sub(r"\D", "", wa_id)
        response = await self._api("GET", f"profile-pic/{number}", "profile picture",
                                   shown="profile-pic/<phone>")
        # No picture (or hidden from us): the server answers without `response`.
        found = as_dict(_json(response).get("response"))
        return web_url(found.get("imgFull") or found.get("eurl") or found.get("img"))

    # -- session -------------------------------------------------------------------

    async def authenticate(self, secret: str) -> None:
        session = quote(self.credentials.session, safe="")
        path = f"/api/{session}/{quote(secret, safe='')}/generate-token"
        response, record = await self._exchange("POST", path, f"/api/{session}/<secret>"
                                                "/generate-token")
        token = _json(response).get("token")
        if response.status_code == 201 and isinstance(token, str) and token:
            self.session_token, self._good_secret = token, secret
            self._emit(record, "")
            return
        error = _failure(response, "generate token", self._scrub) or EngineError(
            "generate token: the answer held no token", status_code=response.status_code)
        if response.status_code == 400 and "SECRET_KEY" in _message(response):
            error = EngineError("generate token: the engine refused the secret",
                                status_code=400, auth=True)
        self._emit(record, error.detail)
        raise error

    async def session_status(self) -> SessionStatus:
        response = await self._api("GET", "status-session", "session status")
        return _status(_json(response))

    async def start_session(self, webhook_url: str) -> SessionStatus:
        # waitQrCode stays false: with true the server answers only from its QR
        # callback, and hangs for good when no QR comes (CAPTURED.md #14).
        response = await self._api("POST", "start-session", "start session",
                                   json={"webhook": webhook_url, "waitQrCode": False})
        status = _status(_json(response))
        if status.detail == "CLOSED":
            # The answer is the state from before the start: it is starting now.
            return SessionStatus(state="starting", detail="CLOSED")
        return status

    async def qr_code(self) -> SessionStatus:
        response = await self._api("GET", "qrcode-session", "qr code")
        if response.headers.get("content-type", "").startswith("image/"):
            image = base64.b64encode(response.content).decode()
            return SessionStatus(state="qrcode", qr=qr_image(image), detail="QRCODE")
        body = _json(response)
        word = body.get("status")
        return SessionStatus(state=_state(word), detail=str(word) if word else "not started")

    async def close_session(self) -> None:
        response = await self._api("POST", "close-session", "close session",
                                   tolerate=_is_close_error)
        if _is_close_error(response):
            # A session that never connected answers 500 yet is reset by it; a
            # second close then says 200. Twice 500: nothing was running at all.
            await self._api("POST", "close-session", "close session", tolerate=_is_close_error)

    async def logout(self) -> None:
        response = await self._api("POST", "logout-session", "logout", tolerate=_is_disconnected)
        if _is_disconnected(response):
            # Not connected, so there is nothing to log out of; forget the stored
            # login instead, so that the next start asks for a new QR code.
            await self._clear_session_data()

    async def restart_session(self, webhook_url: str) -> SessionStatus:
        before = await self.session_status()
        if before.detail == "INITIALIZING":
            # start-session restarts nothing while INITIALIZING, even with the browser
            # gone (after browserClose): close first, which resets the server's entry.
            # A browser still alive keeps its profile folder locked, so the start then
            # launches no second one.
            await self.close_session()
        return await self.start_session(webhook_url)

    async def reset_session(self, webhook_url: str) -> AsyncIterator[str | SessionStatus]:
        """Reset total in the order that leaves one browser (CAPTURED.md, and the
        server's sessionController/miscController).

        Only a logged-in session has the library client whose close() stops its
        browser; close-session on an INITIALIZING or QRCODE one only resets the
        entry and leaves the browser running. clear-session-data deletes the
        profile folder even under a running browser, and the next start then
        launches a second browser beside the first. So:

        - CONNECTED: logout-session (the login ends, the browser closes, the server
          deletes the profile and token file), then start.
        - CLOSED (no browser the server knows of): clear-session-data, then start.
        - INITIALIZING, QRCODE, PHONECODE: the browser cannot be stopped through
          the API; its data is not cleared under it, and the start (a no-op on a
          running session) shows its state or QR code.
        """
        before = await self.session_status()
        if before.detail == "CONNECTED":
            yield "logging_out"
            await self._api("POST", "logout-session", "logout", tolerate=_is_disconnected)
        elif before.detail == "CLOSED":
            yield "clearing"
            await self._clear_session_data()
        yield "starting"
        yield await self.start_session(webhook_url)

    async def configure_webhook(self, url: str) -> None:
        """start-session with the webhook; a running session keeps its old one until
        it is closed and started again (the server ignores the body then)."""
        await self._api("POST", "start-session", "configure webhook",
                        json={"webhook": url, "waitQrCode": False})

    async def _clear_session_data(self) -> None:
        session = quote(self.credentials.session, safe="")
        path = f"/api/{session}/{quote(self._good_secret, safe='')}/clear-session-data"
        response, record = await self._exchange("POST", path, f"/api/{session}/<secret>"
                                                "/clear-session-data")
        error = _failure(response, "clear session data", self._scrub)
        if response.status_code == 400 and "incorrect" in _message(response):
            error = EngineError("clear session data: the engine refused the secret",
                                status_code=400, auth=True)
        self._emit(record, error.detail if error else "")
        if error:
            raise error

    # -- plumbing ------------------------------------------------------------------

    async def _api(self, method: str, action: str, what: str, *, json: Any = None,
                   params: dict[str, str] | None = None, shown: str | None = None,
                   send: bool = False, max_bytes: int | None = None,
                   tolerate: Callable[[httpx.Response], bool] | None = None,
                   gone: Callable[[httpx.Response], bool] | None = None) -> httpx.Response:
        """One authenticated call to /api/<session>/<action>, classified.

        `gone` tells an answer meaning the asked-for file no longer exists (media_gone).
        """
        if not self.session_token:
            await self.authenticate(self._good_secret)
        session = quote(self.credentials.session, safe="")
        path, redacted = f"/api/{session}/{action}", f"/api/{session}/{shown or action}"
        kwargs: dict[str, Any] = {"params": params, "unknown_outcome_on_timeout": send,
                                  "max_bytes": max_bytes}
        if json is not None:
            kwargs["json"] = json
        response, record = await self._exchange(method, path, redacted,
                                                headers=self._bearer(), **kwargs)
        if _is_token_refusal(response):
            # The token dates from a secret the server no longer holds (or was
            # never ours): regenerate once with the last good secret, then retry.
            # The token check runs before anything else, so a retried send is safe.
            self._emit(record, f"{what}: token refused, regenerating")
            await self.authenticate(self._good_secret)
            response, record = await self._exchange(method, path, redacted,
                                                    headers=self._bearer(), **kwargs)
        if gone is not None and gone(response):
            error: EngineError | None = EngineError(
                f"{what}: the engine no longer has the file ({_message(response)[:60]})",
                status_code=response.status_code, kind="media_gone")
        else:
            error = None if tolerate and tolerate(response) else _failure(response, what,
                                                                           self._scrub)
        self._emit(record, error.detail if error else _tolerated(response, what))
        if error:
            raise error
        return response

    async def _exchange(self, method: str, path: str, redacted: str,
                        **kwargs: Any) -> tuple[httpx.Response, CallRecord | None]:
        try:
            response = await self.request(method, path, redacted_path=redacted, **kwargs)
        except EngineError:
            # Transport failures: base recorded only the exception's type name.
            self._emit(self._take(), None)
            raise
        return response, self._take()

    def _bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.session_token}"}

    def _hold(self, record: CallRecord) -> None:
        self._held = record

    def _take(self) -> CallRecord | None:
        # No await lies between base.request recording and returning, so the
        # held record is this call's even with other calls in flight.
        record, self._held = self._held, None
        return record

    def _emit(self, record: CallRecord | None, error: str | None) -> None:
        if record is None or self._sink is None:
            return
        if error is not None:
            record = dataclasses.replace(record, error=clip_error(self._scrub(error)))
        self._sink(record)

    def _scrub(self, text: str) -> str:
        """No secret, token or phone number in anything we write down."""
        for value in (self.session_token, self._good_secret, self.credentials.secret):
            if value:
                text = text.replace(value, "<redacted>")
        return _DIGIT_RUN.sub("<number>", text)


# -- answers -------------------------------------------------------------------------


def _failure(response: httpx.Response, what: str,
             scrub: Callable[[str], str]) -> EngineError | None:
    """The EngineError an answer means, or None when it is a success."""
    code = response.status_code
    if response.is_success:
        return None
    if _is_token_refusal(response):
        return EngineError(f"{what}: the engine refused the token", status_code=code, auth=True)
    if _is_disconnected(response):
        return EngineError(f"{what}: the WhatsApp session is not connected", status_code=code,
                           transient=True, kind="not_connected")
    message = scrub(_message(response))[:120]
    detail = f"{what}: engine answered {code}" + (f" ({message})" if message else "")
    return EngineError(detail, status_code=code, transient=code >= 500 or code == 429)


def _tolerated(response: httpx.Response, what: str) -> str:
    if response.is_success:
        return ""
    return f"{what}: engine answered {response.status_code}, expected in this state"


def _is_token_refusal(response: httpx.Response) -> bool:
    """The token check's 401, not a route's own 401 about something else."""
    if response.status_code not in (401, 403):
        return False
    body = _json(response)
    if "status" in body:  # routes' own failures carry a status; auth.ts's never do
        return False
    text = " ".join(str(body.get(key, "")) for key in ("message", "error"))
    return response.status_code == 403 or any(word in text for word in _TOKEN_REFUSALS)


def _is_media_gone(response: httpx.Response) -> bool:
    return response.status_code == 400 and _message(response) in _MEDIA_GONE


def _is_disconnected(response: httpx.Response) -> bool:
    return response.status_code == 404 and _json(response).get("status") == "Disconnected"


def _is_close_error(response: httpx.Response) -> bool:
    return response.status_code == 500 and _message(response) == "Error closing session"


def _is_unknown_chat(response: httpx.Response) -> bool:
    body = _json(response)
    return response.status_code == 401 and body.get("response") == "Error on open list"


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _message(response: httpx.Response) -> str:
    """The engine's own words about a failure, whatever key it used this time."""
    try:
        body = response.json()
    except ValueError:
        return "not JSON" if response.content else ""
    if isinstance(body, str):
        return body
    if isinstance(body, dict):
        for key in ("message", "error", "response"):
            if isinstance(body.get(key), str):
                return body[key]
    return ""


def _status(body: dict[str, Any]) -> SessionStatus:
    word = body.get("status")
    return SessionStatus(state=_state(word), qr=qr_image(body.get("qrcode")),
                         detail=str(word) if word else "CLOSED")


def _state(word: Any) -> SessionState:
    if not isinstance(word, str) or not word:
        return "disconnected"  # status null: not started, or reset by close-session
    if word in _STATES:
        return _STATES[word]
    return STATUS_FIND_STATES.get(word.lower(), "disconnected")


def _sent(response: httpx.Response) -> Sent:
    results = _json(response).get("response")
    first = results[0] if isinstance(results, list) and results else None
    raw_id = _serialized(first.get("id")) if isinstance(first, dict) else ""
    parts = raw_id.split("_")
    if len(parts) < 3 or not parts[2]:
        # Accepted, but nothing names the message: treat it like a lost answer.
        raise EngineError("send: the engine accepted the message without naming it",
                          status_code=response.status_code, outcome_unknown=True)
    return Sent(engine_message_id=parts[2], wa_id=parts[1].split("@")[0])


def _recent(message: Any) -> RecentMessage | None:
    if not isinstance(message, dict):
        return None
    parts = _serialized(message.get("id")).split("_")
    if len(parts) < 3 or not parts[2]:
        return None
    from_me = message.get("fromMe")
    text = message.get("body") if message.get("type") == "chat" else message.get("caption")
    return RecentMessage(engine_message_id=parts[2],
                         from_me=from_me if isinstance(from_me, bool) else parts[0] == "true",
                         text=text if isinstance(text, str) else "")


def _serialized(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("_serialized")
    return value if isinstance(value, str) else ""


def _user_part(value: Any) -> str:
    """A Wid `{server, user, _serialized}` or a plain id, as bare digits."""
    if isinstance(value, dict):
        user = value.get("user")
        value = user if isinstance(user, str) and user else value.get("_serialized")
    return value.split("@")[0] if isinstance(value, str) else ""


# -- requests ------------------------------------------------------------------------


def _recipient(wa_id: str) -> dict[str, Any]:
    """The `phone` fields: the server adds the suffix the flags ask for."""
    user, _, server = wa_id.strip().lstrip("+").partition("@")
    return {"phone": user.split(":")[0], "isGroup": server == "g.us",
            "isNewsletter": server == "newsletter", "isLid": server == "lid"}


def _chat_id(wa_id: str) -> str:
    user, _, server = wa_id.strip().lstrip("+").partition("@")
    return f"{user}@{server or 'c.us'}"


def message_key(reference: MediaReference) -> str:
    """The full key WhatsApp Web finds a message by: `<fromMe>_<chat>_<id>`.

    The webhook parser keeps it as the media's reference; without it, it is rebuilt
    from the chat's id (a phone's digits become `@c.us`, as WhatsApp Web writes it).
    """
    given = reference.engine_reference or ""
    if given.startswith(("true_", "false_")) and given.count("_") >= 2:
        return given
    user, _, server = reference.chat_wa_id.strip().lstrip("+").partition("@")
    if not user:
        raise EngineError("download media: no chat to find the message in")
    server = "c.us" if server in ("", "s.whatsapp.net") else server
    from_me = "true" if reference.from_me else "false"
    return f"{from_me}_{user.split(':')[0]}@{server}_{reference.engine_message_id}"


def _media_request(wa_id: str, media: OutboundMedia) -> tuple[str, dict[str, Any]]:
    """Route and body for a media send: a data URL from bytes, or the URL itself.

    send-image and send-file both end in wa-js's sendFileMessage, which would pick the
    message type from the mimetype; `options.type` keeps the kind asked for (a photo
    sent as a document stays a document). Voice notes have their own routes.
    """
    if media.data is None and not media.url:
        raise EngineError(f"send {media.kind}: neither data nor a URL to send")
    # wa-js parses the data URL strictly: "audio/ogg; codecs=opus" must lose its space.
    mimetype = "".join(media.mimetype.split())
    source = media.url or (f"data:{mimetype};base64,"
                           + base64.b64encode(media.data or b"").decode())
    body = _recipient(wa_id)
    if media.kind == "voice":
        if media.data is not None:
            return "send-voice-base64", {**body, "base64Ptt": source}
        return "send-voice", {**body, "path": source, "filename": media.filename}
    body.update({"filename": media.filename, "caption": media.caption,
                 "options": {"type": _FILE_TYPES[media.kind]}})
    body["path" if media.data is None else "base64"] = source
    return ("send-image" if media.kind == "image" else "send-file"), body
