"""The one interface Ponte uses to talk to any engine's REST API.

Each engine package has a `client.py` with an `EngineClient` subclass. Callers
never see an engine's paths or field names; they see these results and one
error type whose flags drive the retry policy.
"""

import base64
import binascii
import contextlib
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import httpx
from django.utils import timezone

from ponte.engines.events import SessionState
from ponte.text import clip_error

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=10.0, pool=5.0)


class EngineError(Exception):
    """An engine call that did not do what was asked.

    transient: worth retrying as is (refused connection, 5xx, 504, timeout before
        the request went out).
    outcome_unknown: the request went out and no answer came back (read timeout):
        a send may or may not have reached WhatsApp, so it must be reconciled, not
        blindly retried.
    auth: the engine refused our credentials (expired token, wrong secret).
    kind: what happened, for a person (see `ponte.engines.explain`); when the raiser
        names none, it follows from the flags and the status code.
    """

    # What a person is told: each kind has a sentence in `ponte.engines.explain`.
    KINDS = ("unreachable", "no_answer", "auth", "not_connected", "engine_failure",
             "outcome_unknown", "refused", "not_on_whatsapp", "failed", "media_gone")

    def __init__(self, detail: str, *, status_code: int | None = None, transient: bool = False,
                 outcome_unknown: bool = False, auth: bool = False, kind: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        self.status_code = status_code
        self.transient = transient
        self.outcome_unknown = outcome_unknown
        self.auth = auth
        self._kind = kind

    @property
    def kind(self) -> str:
        if self._kind:
            return self._kind
        if self.auth:
            return "auth"
        if self.outcome_unknown:
            return "outcome_unknown"
        if self.status_code is not None:
            return "engine_failure" if self.status_code >= 500 or self.transient else "refused"
        return "failed"


class MediaTooLarge(EngineError):
    """A download stopped at the caller's byte limit: the file stays with the engine.

    Its kind is "refused" and its detail starts with "too large", so code that only
    knows `EngineError` still reads it as a permanent refusal, never retried.
    """

    def __init__(self, what: str, limit: int, *, status_code: int | None = None) -> None:
        super().__init__(f"too large: {what} passes the {limit}-byte limit",
                         status_code=status_code, kind="refused")
        self.limit = limit


@dataclass(frozen=True)
class Sent:
    engine_message_id: str
    wa_id: str  # the WhatsApp id the engine actually delivered to


@dataclass(frozen=True)
class NumberCheck:
    exists: bool
    wa_id: str | None  # e.g. "553187654321" for an account registered without the ninth digit


@dataclass(frozen=True)
class RecentMessage:
    """A message as the engine's chat history shows it, for reconciling a lost answer."""

    engine_message_id: str
    from_me: bool
    text: str


@dataclass(frozen=True)
class SessionStatus:
    state: SessionState
    qr: str | None = None  # a displayable image: "data:image/png;base64,..."
    detail: str = ""  # the engine's own word for the state, for the diagnostic log


@dataclass(frozen=True)
class MediaReference:
    """What Ponte knows of a received file, to ask its engine for the bytes.

    `engine_reference` is `Media.engine_reference` as the webhook parser wrote it: the
    Cloud API's media id (or its download URL), WPPConnect's full message key
    (`false_<chat>_<id>`), Evolution's URL (unused: Evolution finds the file by message
    id). `chat_wa_id` and `from_me` rebuild WPPConnect's key when the reference is
    missing: the chat's WhatsApp id as the engine wrote it (`5511...@c.us`, `...@lid`;
    bare digits are a phone).
    """

    engine_message_id: str
    engine_reference: str | None
    mimetype: str | None = None
    chat_wa_id: str = ""
    from_me: bool = False


@dataclass(frozen=True)
class DownloadedMedia:
    data: bytes
    mimetype: str | None = None  # as the engine declared it; the bytes are sniffed anyway
    filename: str | None = None


@dataclass(frozen=True)
class OutboundMedia:
    kind: Literal["image", "document", "voice", "audio", "video", "sticker"]
    filename: str
    mimetype: str
    data: bytes | None = None  # from a file
    url: str | None = None  # or from a URL the engine fetches
    caption: str = ""


@dataclass(frozen=True)
class CallRecord:
    """One engine call, as the diagnostic log keeps it: no content, no secret."""

    method: str
    path: str  # secrets already redacted by the client
    status_code: int | None
    latency_ms: float
    outcome: str  # "ok", "http_error", "timeout", "refused", "auth", ...
    error: str = ""
    started_at: datetime | None = None  # when the call went out; the log shows this time


Recorder = Callable[[CallRecord], None]


@dataclass(frozen=True)
class Credentials:
    """What a client needs to reach one instance's session."""

    base_url: str
    session: str  # the UUID-derived session (instance) name
    secret: str  # WPPConnect SECRET_KEY / Evolution apikey / Cloud API access token
    phone_number_id: str = ""  # Cloud API only


class EngineClient(ABC):
    """Async client of one engine, for one instance; every call is recorded."""

    # False for engines with no readable chat history (Cloud API): a send whose answer
    # was lost can then only be confirmed by the engine's own status webhook.
    supports_history = True
    # A token the engine issued for the session (WPPConnect's bearer token), kept between
    # clients so a restart does not regenerate it; empty for engines that have none.
    session_token = ""

    def __init__(self, credentials: Credentials, *, http: httpx.AsyncClient | None = None,
                 recorder: Recorder | None = None, timeout: httpx.Timeout = DEFAULT_TIMEOUT,
                 ) -> None:
        self.credentials = credentials
        self.http = http or httpx.AsyncClient(timeout=timeout)
        self.recorder = recorder

    async def aclose(self) -> None:
        await self.http.aclose()

    # Messages
    @abstractmethod
    async def send_text(self, wa_id: str, text: str) -> Sent: ...

    @abstractmethod
    async def send_media(self, wa_id: str, media: OutboundMedia) -> Sent: ...

    async def download_media(self, reference: MediaReference, *,
                             max_bytes: int | None = None) -> DownloadedMedia:
        """The bytes of a received media message, from the engine.

        Raises EngineError: kind "media_gone" when the engine no longer has it (expired,
        deleted: not worth retrying), transient for 5xx, timeouts and refusals;
        `MediaTooLarge` (kind "refused", detail "too large: ...") as soon as the file
        passes `max_bytes`, having read no more than about that much.
        """
        raise EngineError("this engine cannot download media", kind="media_gone")

    @abstractmethod
    async def check_number(self, digits: str) -> NumberCheck:
        """Which WhatsApp id exists for these digits (the engine answers the ninth-digit
        question)."""

    @abstractmethod
    async def recent_message_ids(self, wa_id: str, limit: int = 20) -> list[str]:
        """Ids of the chat's latest messages, to reconcile a send whose outcome is unknown."""

    async def recent_messages(self, wa_id: str, limit: int = 20) -> list[RecentMessage]:
        """The chat's latest messages with direction and text (engines override this)."""
        raise NotImplementedError

    async def profile_picture(self, wa_id: str) -> str | None:
        """The URL of the person's WhatsApp profile picture; None when hidden or absent.

        WhatsApp signs these URLs and they expire within days. Engines that cannot
        tell (Meta's Cloud API) answer None.
        """
        return None

    # Session
    @abstractmethod
    async def authenticate(self, secret: str) -> None:
        """Prove this secret works (WPPConnect: generate a token with it), or raise auth."""

    @abstractmethod
    async def session_status(self) -> SessionStatus: ...

    @abstractmethod
    async def start_session(self, webhook_url: str) -> SessionStatus: ...

    @abstractmethod
    async def qr_code(self) -> SessionStatus: ...

    @abstractmethod
    async def close_session(self) -> None: ...

    @abstractmethod
    async def logout(self) -> None: ...

    @abstractmethod
    async def configure_webhook(self, url: str) -> None: ...

    async def restart_session(self, webhook_url: str) -> SessionStatus:
        """Start a dropped session again; engines whose start is a no-op on a stuck
        session (WPPConnect's INITIALIZING) close it first."""
        return await self.start_session(webhook_url)

    async def reset_session(self, webhook_url: str) -> AsyncIterator["str | SessionStatus"]:
        """Reset total, step by step: yields the name of each step as it begins
        ("logging_out", "clearing", "starting"), then the status after the start.

        The default logs out, closes and starts; engines whose calls can leave
        a process behind order them their own way.
        """
        yield "logging_out"
        with contextlib.suppress(EngineError):
            await self.logout()
        with contextlib.suppress(EngineError):
            await self.close_session()
        yield "starting"
        yield await self.start_session(webhook_url)

    # Shared plumbing
    async def request(self, method: str, path: str, *, redacted_path: str | None = None,
                      unknown_outcome_on_timeout: bool = False, max_bytes: int | None = None,
                      **kwargs: Any) -> httpx.Response:
        """Send one request, record it, and turn transport failures into EngineError.

        `path` is under the engine's base URL, or a whole http(s) URL the engine handed
        over (the Cloud API's media URLs live on another host). With `max_bytes` the
        answer is streamed and given up (`MediaTooLarge`) once its body passes that
        many bytes, so a huge file is never held whole.

        Status codes are left to the subclass: only it knows which bodies mean what.
        """
        shown = redacted_path or path
        started, started_at = time.perf_counter(), timezone.now()

        def record(status: int | None, outcome: str, error: str = "") -> None:
            if self.recorder is not None:
                self.recorder(CallRecord(method, shown, status, (time.perf_counter() - started)
                                         * 1000, outcome, clip_error(error), started_at))

        url = path if path.startswith(("https://", "http://")) \
            else self.credentials.base_url.rstrip("/") + path
        try:
            if max_bytes is None:
                response = await self.http.request(method, url, **kwargs)
            else:
                response = await self._read_capped(method, url, max_bytes, **kwargs)
        except MediaTooLarge as exc:
            record(exc.status_code, "too_large", f"body over {exc.limit} bytes")
            raise
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            record(None, "refused", type(exc).__name__)
            raise EngineError(f"engine unreachable: {type(exc).__name__}",
                              transient=True, kind="unreachable") from exc
        except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError) as exc:
            record(None, "timeout", type(exc).__name__)
            raise EngineError(f"no answer from the engine: {type(exc).__name__}",
                              transient=not unknown_outcome_on_timeout,
                              outcome_unknown=unknown_outcome_on_timeout,
                              kind="outcome_unknown" if unknown_outcome_on_timeout
                              else "no_answer") from exc
        except httpx.HTTPError as exc:
            record(None, "error", type(exc).__name__)
            raise EngineError(f"engine call failed: {type(exc).__name__}",
                              transient=True, kind="unreachable") from exc
        outcome = "ok" if response.is_success else (
            "auth" if response.status_code in (401, 403) else "http_error")
        # Only the reason phrase: engines' error bodies can echo numbers or message text.
        record(response.status_code, outcome,
               "" if response.is_success else response.reason_phrase)
        return response

    async def _read_capped(self, method: str, url: str, max_bytes: int,
                           **kwargs: Any) -> httpx.Response:
        """The answer with its body read in chunks, given up past `max_bytes`."""
        async with self.http.stream(method, url, **kwargs) as streamed:
            declared = streamed.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise MediaTooLarge("the answer", max_bytes, status_code=streamed.status_code)
            chunks, size = [], 0
            async for chunk in streamed.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise MediaTooLarge("the answer", max_bytes,
                                        status_code=streamed.status_code)
                chunks.append(chunk)
        # The chunks are decoded already: the new answer must not decode them again.
        headers = [(name, value) for name, value in streamed.headers.multi_items()
                   if name.lower() not in _FRAMING_HEADERS]
        return httpx.Response(streamed.status_code, headers=headers, content=b"".join(chunks),
                              request=streamed.request)


_FRAMING_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}
# Room a JSON answer needs around the base64 of a file (names, caption, mimetype).
JSON_ENVELOPE_BYTES = 64 * 1024


def base64_answer_limit(max_bytes: int | None) -> int | None:
    """How much of a JSON answer carrying a file as base64 to read for a `max_bytes` file."""
    return None if max_bytes is None else (max_bytes + 2) // 3 * 4 + JSON_ENVELOPE_BYTES


def decode_media_base64(value: Any, what: str, *, max_bytes: int | None = None) -> bytes:
    """The file an engine answered as base64 (a `data:` prefix allowed).

    Raises EngineError when it is absent or not base64, `MediaTooLarge` past `max_bytes`.
    """
    text = value if isinstance(value, str) else ""
    if text.startswith("data:"):
        text = text.partition(",")[2]
    text = "".join(text.split())
    if not text:
        raise EngineError(f"{what}: the answer held no file", transient=True)
    if max_bytes is not None and len(text.rstrip("=")) * 3 // 4 > max_bytes:
        raise MediaTooLarge(what, max_bytes)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise EngineError(f"{what}: the answer's file is not base64", transient=True) from None
