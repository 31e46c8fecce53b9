"""Meta's WhatsApp Cloud API client (Graph API, `Authorization: Bearer <access token>`).

The Cloud API has no session to start, no QR code, no logout and no chat
history: the number is registered in Meta's dashboard and the access token is
the whole session. So `session_status`, `start_session` and `qr_code` are a
token check, `close_session` and `logout` do nothing, and the webhook (callback
URL, verify token, the `messages` field) is configured in the Meta app
dashboard, not through the API: `configure_webhook` cannot do it for us.

Reconciling a send whose answer was lost relies on the `sent` status webhook
Meta posts for every accepted message, since there is no history to read.

A received file is fetched in two steps: `GET /<media id>` answers a download
URL (on Meta's lookaside host) that expires within minutes, then `GET <url>`
with the same bearer token gives the bytes. An expired URL (401, 403, 404 or
410) is asked for again once, with a fresh URL. A media id Meta no longer
knows (files are kept for 30 days) answers 404, or Graph's 400 "Object with
ID ... does not exist" (code 100, subcode 33): `media_gone`. The token is only
ever sent to Meta's hosts or to the configured base URL's host.
"""

import dataclasses
from typing import Any, NoReturn
from urllib.parse import parse_qs, quote, urlsplit

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
    Recorder,
    Sent,
    SessionStatus,
)

GRAPH_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
REDACTED = "[redacted]"

# Ponte's media kinds as Cloud API message types: a voice note is an audio message
# marked `voice` (an OGG/Opus file then shows as a recorded voice note).
MEDIA_TYPES = {"image": "image", "document": "document", "voice": "audio", "audio": "audio",
               "video": "video", "sticker": "sticker"}
CAPTIONED = {"image", "document", "video"}
# Where Meta serves media from: the token may go there, and nowhere else but base_url.
MEDIA_HOSTS = (".fbsbx.com", ".facebook.com", ".fbcdn.net", ".whatsapp.net")
# A download URL that stopped working: expired (Meta keeps them about five minutes).
EXPIRED_URL_STATUSES = frozenset({401, 403, 404, 410})
# Graph codes for a token that is missing, expired or lacks a permission.
AUTH_CODES = frozenset({102, 104, 190, 10, *range(200, 300)})
# Graph codes worth retrying as is: service hiccups and rate limits.
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 80007, 130429, 131000, 131016, 131048,
                             131056})


@dataclasses.dataclass(frozen=True)
class GraphFailure:
    """What a Graph error body says, read tolerantly (proxies may answer HTML)."""

    code: int | None
    message: str
    transient: bool
    subcode: int | None = None

    @classmethod
    def of(cls, response: httpx.Response) -> "GraphFailure":
        try:
            error = response.json().get("error")
        except (ValueError, AttributeError):
            error = None
        if not isinstance(error, dict):
            return cls(None, response.reason_phrase or "no error body", False)
        message = error.get("message")
        return cls(_int(error.get("code")), message if isinstance(message, str) else "",
                   error.get("is_transient") is True, _int(error.get("error_subcode")))

    @property
    def no_such_object(self) -> bool:
        """Graph's "Object with ID ... does not exist" (code 100, subcode 33)."""
        return self.code == 100 and self.subcode == 33


class Client(EngineClient):
    """One phone-number id of the Cloud API; the access token is the credentials' secret."""

    supports_history = False  # no chat history to reconcile a lost answer against

    def __init__(self, credentials: Credentials, *, api_version: str = DEFAULT_API_VERSION,
                 http: httpx.AsyncClient | None = None, recorder: Recorder | None = None,
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> None:
        if not credentials.phone_number_id:
            raise ValueError("the Cloud API needs the phone-number id")
        if not credentials.base_url:
            credentials = dataclasses.replace(credentials, base_url=GRAPH_URL)
        super().__init__(credentials, http=http, recorder=recorder, timeout=timeout)
        self._secrets = {credentials.secret} - {""}
        self.recorder = self._redacting(recorder) if recorder is not None else None
        phone_number_id = quote(credentials.phone_number_id, safe="")
        self._version = f"/{quote(api_version, safe='.')}"
        self._node = f"{self._version}/{phone_number_id}"

    # Messages
    async def send_text(self, wa_id: str, text: str) -> Sent:
        body = {"type": "text", "text": {"preview_url": _has_link(text), "body": text}}
        return await self._send(wa_id, body, action="send text")

    async def send_media(self, wa_id: str, media: OutboundMedia) -> Sent:
        kind = MEDIA_TYPES.get(media.kind)
        if kind is None:
            raise EngineError(f"unsupported media kind {media.kind!r}")
        _recipient(wa_id)  # refuse a bad recipient before uploading anything
        part = await self._media_reference(media)
        if media.caption and kind in CAPTIONED:
            part["caption"] = media.caption
        if kind == "document" and media.filename:
            part["filename"] = media.filename
        if media.kind == "voice":
            part["voice"] = True
        return await self._send(wa_id, {"type": kind, kind: part}, action=f"send {media.kind}")

    async def download_media(self, reference: MediaReference, *,
                             max_bytes: int | None = None) -> DownloadedMedia:
        """The media id's download URL, then the bytes; an expired URL is renewed once."""
        media_id, url = _media_source(reference.engine_reference)
        mimetype = reference.mimetype
        if url is None:
            if media_id is None:
                raise EngineError("download media: no media id", kind="media_gone")
            url, mimetype = await self._media_url(media_id, max_bytes, mimetype)
        response = await self._fetch_media(url, max_bytes)
        renewed = response.status_code in EXPIRED_URL_STATUSES and media_id is not None
        if renewed:
            url, mimetype = await self._media_url(media_id or "", max_bytes, mimetype)
            response = await self._fetch_media(url, max_bytes)
        if response.status_code in (403, 404, 410):
            raise EngineError(f"download media: the URL answered {response.status_code}"
                              + (", a fresh one too" if renewed else ""),
                              status_code=response.status_code, kind="media_gone")
        if not response.is_success:
            self._raise_for(response, "download media")
        declared = response.headers.get("content-type", "").split(";")[0].strip()
        return DownloadedMedia(data=response.content, mimetype=mimetype or declared or None)

    async def check_number(self, digits: str) -> NumberCheck:
        """Answered without a call: the Cloud API has no contacts check any more.

        We send to the number as given and Meta resolves it; the send's
        `contacts[0].wa_id` (which may lack Brazil's ninth digit) comes back in
        `Sent.wa_id`.
        """
        number = _digits(digits)
        return NumberCheck(exists=bool(number), wa_id=number or None)

    async def recent_message_ids(self, wa_id: str, limit: int = 20) -> list[str]:
        """Always empty: the Cloud API keeps no chat history we could read.

        A send with an unknown outcome is reconciled by the `sent` status webhook.
        """
        return []

    # Session
    async def authenticate(self, secret: str) -> None:
        """Prove an access token works for this number, without adopting it."""
        if not secret:
            raise EngineError("empty access token", auth=True)
        self._secrets.add(secret)
        await self._call("GET", self._node, action="token check", secret=secret,
                         params={"fields": "id"})

    async def session_status(self) -> SessionStatus:
        """The token check: connected while Meta accepts the token, notlogged when it does not."""
        try:
            info = await self._call("GET", self._node, action="token check",
                                    params={"fields": "status,display_phone_number"})
        except EngineError as exc:
            if exc.auth:
                return SessionStatus("notlogged", detail=exc.detail)
            raise
        status = info.get("status")
        word = status if isinstance(status, str) and status else "CONNECTED"
        return SessionStatus("connected" if word == "CONNECTED" else "disconnected", detail=word)

    async def start_session(self, webhook_url: str) -> SessionStatus:
        """Nothing to start (the webhook lives in Meta's dashboard): report the token's state."""
        return await self.session_status()

    async def qr_code(self) -> SessionStatus:
        """There is never a QR code: the number is linked in Meta's dashboard."""
        return await self.session_status()

    async def close_session(self) -> None:
        """Nothing to close: no session exists on Meta's side."""

    async def logout(self) -> None:
        """Nothing to log out: revoke the token in Meta's dashboard instead."""

    async def configure_webhook(self, url: str) -> None:
        """Nothing to do here: the callback URL and verify token are set in the Meta app
        dashboard (WhatsApp > Configuration), subscribed to the `messages` field."""

    # Plumbing
    async def _send(self, wa_id: str, content: dict[str, Any], *, action: str) -> Sent:
        to = _recipient(wa_id)
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
                **content}
        answer = await self._call("POST", f"{self._node}/messages", action=action, json=body,
                                  unknown_outcome=True)
        message_id, resolved = _sent_ids(answer)
        if message_id is None:
            # A 2xx means Meta took it; without the id only the webhook can tell us which.
            raise EngineError(f"{action}: accepted without a message id", outcome_unknown=True)
        return Sent(engine_message_id=message_id, wa_id=resolved or to)

    async def _media_url(self, media_id: str, max_bytes: int | None,
                         mimetype: str | None) -> tuple[str, str | None]:
        """`GET /<media id>`: a fresh download URL and the file's type, checked for size."""
        response = await self.request(
            "GET", f"{self._version}/{quote(media_id, safe='')}",
            redacted_path=f"{self._version}/<media id>",
            headers={"Authorization": f"Bearer {self.credentials.secret}"},
            params={"phone_number_id": self.credentials.phone_number_id})
        if response.status_code in (404, 410) or (
                response.status_code == 400 and GraphFailure.of(response).no_such_object):
            raise EngineError("media url: Meta no longer has this media id",
                              status_code=response.status_code, kind="media_gone")
        if not response.is_success:
            self._raise_for(response, "media url")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        answer = answer if isinstance(answer, dict) else {}
        url = answer.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise EngineError("media url: answered without a URL", transient=True)
        size = _int(answer.get("file_size"))
        if isinstance(answer.get("file_size"), str) and answer["file_size"].isdigit():
            size = int(answer["file_size"])
        if max_bytes is not None and size is not None and size > max_bytes:
            raise MediaTooLarge("download media: the file", max_bytes)
        declared = answer.get("mime_type")
        return url, declared if isinstance(declared, str) and declared else mimetype

    async def _fetch_media(self, url: str, max_bytes: int | None) -> httpx.Response:
        """The bytes behind a download URL, with the token, if the URL is Meta's (or ours)."""
        host = (urlsplit(url).hostname or "").lower()
        own = (urlsplit(self.credentials.base_url).hostname or "").lower()
        if host != own and not host.endswith(MEDIA_HOSTS):
            raise EngineError(f"download media: a URL on an unexpected host ({host[:60]})",
                              kind="refused")
        return await self.request("GET", url, redacted_path=f"{host}{urlsplit(url).path}",
                                  headers={"Authorization": f"Bearer {self.credentials.secret}"},
                                  max_bytes=max_bytes)

    async def _media_reference(self, media: OutboundMedia) -> dict[str, Any]:
        """`{"id": ...}` after uploading the bytes, else `{"link": url}` for Meta to fetch.

        Bytes win over a URL: Meta cannot fetch a URL that only Ponte can reach.
        """
        if media.data is not None:
            return {"id": await self._upload(media)}
        if media.url:
            return {"link": media.url}
        raise EngineError("media has neither data nor a URL")

    async def _upload(self, media: OutboundMedia) -> str:
        # An upload is safe to repeat (an unused media id just expires), so a
        # timeout here is transient, not an unknown outcome.
        answer = await self._call(
            "POST", f"{self._node}/media", action="upload media",
            data={"messaging_product": "whatsapp", "type": media.mimetype},
            files={"file": (media.filename or "file", media.data or b"", media.mimetype)})
        media_id = answer.get("id")
        if not isinstance(media_id, str | int) or isinstance(media_id, bool) or not str(media_id):
            raise EngineError("upload media: answered without a media id", transient=True)
        return str(media_id)

    async def _call(self, method: str, path: str, *, action: str, secret: str | None = None,
                    unknown_outcome: bool = False, **kwargs: Any) -> dict[str, Any]:
        """One Graph call with the bearer token; a JSON object back, or EngineError."""
        token = self.credentials.secret if secret is None else secret
        response = await self.request(method, path, headers={"Authorization": f"Bearer {token}"},
                                      unknown_outcome_on_timeout=unknown_outcome, **kwargs)
        if not response.is_success:
            self._raise_for(response, action)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        return answer if isinstance(answer, dict) else {}

    def _raise_for(self, response: httpx.Response, action: str) -> NoReturn:
        """Classify a Graph error: auth (fix the token), transient (retry) or permanent."""
        failure = GraphFailure.of(response)
        status = response.status_code
        auth = status in (401, 403) or failure.code in AUTH_CODES
        transient = not auth and (status >= 500 or status == 429 or failure.transient
                                  or failure.code in TRANSIENT_CODES)
        code = f", Graph code {failure.code}" if failure.code is not None else ""
        detail = f"{action} refused: HTTP {status}{code}: {failure.message[:160]}"
        raise EngineError(self._redact(detail), status_code=status, transient=transient,
                          auth=auth)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def _redacting(self, recorder: Recorder) -> Recorder:
        """Wrap the diagnostic recorder so no token survives in a path or an engine's error text."""

        def record(call: CallRecord) -> None:
            recorder(dataclasses.replace(call, path=self._redact(call.path),
                                         error=self._redact(call.error)))

        return record


def _media_source(reference: str | None) -> tuple[str | None, str | None]:
    """The media id and the download URL a webhook's reference gives.

    A lookaside URL names its media id in `mid`, which gets a fresh URL once it expires.
    """
    if not reference:
        return None, None
    if not reference.startswith(("https://", "http://")):
        return reference, None
    mid = parse_qs(urlsplit(reference).query).get("mid", [""])[0]
    return (mid if mid.isdigit() else None), reference


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _digits(value: str) -> str:
    """The digits of a phone or WhatsApp id (`+55 31 ...`, `5531...@s.whatsapp.net`)."""
    return "".join(ch for ch in value.split("@", 1)[0].split(":", 1)[0] if ch.isdigit())


def _recipient(wa_id: str) -> str:
    to = _digits(wa_id)
    if not to:
        raise EngineError("no recipient digits to send to")
    return to


def _has_link(text: str) -> bool:
    return "http://" in text or "https://" in text


def _sent_ids(answer: dict[str, Any]) -> tuple[str | None, str | None]:
    """`messages[0].id` and `contacts[0].wa_id` of a send answer, if present."""
    return (_first_str(answer.get("messages"), "id"), _first_str(answer.get("contacts"), "wa_id"))


def _first_str(items: Any, key: str) -> str | None:
    first = items[0] if isinstance(items, list) and items else None
    value = first.get(key) if isinstance(first, dict) else None
    return value if isinstance(value, str) and value else None
