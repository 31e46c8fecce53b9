"""One remote call: build the request, make the attempts, report each, read the answer.

The SDKs' own retries are off, so every HTTP attempt passes here and is reported as a
`CallRecord` (time measured around the SDK call, which makes exactly one request). Only
a 429 (not an empty quota), a 5xx or a timeout is tried again, after a short pause or
the Retry-After the provider asked for, up to a few seconds. Each provider module
supplies `_send`: one attempt, its failures already turned into `ProviderFailed`.
"""

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, TypeVar
from urllib.parse import urlsplit

from ponte.ai.answers import AnswerRejected, read_score, read_suggestion
from ponte.ai.failures import ProviderFailed, malformed, unexpected
from ponte.ai.prompts import ModelRequest, score_request, suggest_request
from ponte.ai.scoring import ChatLine, Score, Suggestion

log = logging.getLogger(__name__)

DEFAULT_MODELS = {"gemini": "gemini-2.5-flash", "openai": "gpt-4o-mini"}
BACKOFF_SECONDS = 0.25  # then 0.5, 1: a hiccup passes, a real outage is not hammered
MAX_RETRY_AFTER = 5.0  # a provider asking for longer is down for the lead worker's purposes

T = TypeVar("T")


@dataclass(frozen=True)
class RemoteConfig:
    kind: str  # "gemini" or "openai"
    model: str
    api_key: str
    base_url: str = ""  # "" = the provider's own; Ollama, vLLM, LM Studio: their /v1 URL
    timeout: float = 20.0  # seconds, per attempt
    retries: int = 2  # after the first attempt, on 429/5xx/timeouts only

    def __repr__(self) -> str:  # a config in a traceback or log must not show the key
        return (f"RemoteConfig(kind={self.kind!r}, model={self.model!r}, api_key='***', "
                f"base_url={self.base_url!r}, timeout={self.timeout!r}, "
                f"retries={self.retries!r})")


@dataclass(frozen=True)
class CallRecord:
    """One HTTP attempt, for the diagnostic log: no content, no key."""

    provider: str
    operation: str  # "score", "suggest" or "transcribe"
    method: str
    path: str  # the URL's path only
    status_code: int | None
    latency_ms: float
    outcome: str  # "ok" or a ProviderFailed outcome
    error: str = ""


class RemoteCaller(ABC):
    """Calls to one API over HTTP: this class knows attempts, subclasses know the API.

    Both the scoring providers and the transcribers (`transcribers.py`) are callers, so
    a transcription is retried, timed and logged exactly as a score is.
    """

    name: ClassVar[str]

    def __init__(self, config: RemoteConfig,
                 on_call: Callable[[CallRecord], None] | None = None) -> None:
        self.config = config
        self._on_call = on_call

    @property
    @abstractmethod
    def label(self) -> str:
        """How the owner knows this provider in a sentence ("Gemini", "OpenAI")."""

    @property
    @abstractmethod
    def path(self) -> str:
        """The URL path every call posts to."""

    @abstractmethod
    def _check_ready(self) -> None:
        """Raise ProviderFailed for what fails before any request (no key)."""

    @abstractmethod
    def close(self) -> None:
        """Free the SDK's connections."""

    # -- attempts ------------------------------------------------------------------------

    def _call(self, operation: str, send: Callable[[], str | None],
              read: Callable[[str | None], T]) -> T:
        """`send` makes one HTTP attempt; `read` checks its text (AnswerRejected if bad)."""
        self._check_ready()
        attempts = max(0, self.config.retries) + 1
        for attempt in range(1, attempts + 1):
            started = time.monotonic()
            try:
                result = read(send())
            except AnswerRejected as exc:
                failure = malformed(self.label, str(exc), why=exc.why)
            except ProviderFailed as exc:
                failure = exc
            except Exception as exc:  # an SDK surprise must still be a ProviderFailed
                failure = unexpected(self.label, type(exc).__name__)
            else:
                self._report(operation, started, 200, "ok")
                return result
            self._report(operation, started, failure.status_code, failure.outcome,
                         failure.error)
            if not failure.retryable or attempt == attempts:
                raise failure
            time.sleep(self._pause(failure, attempt))
        raise AssertionError("unreachable")  # the loop returns or raises

    @staticmethod
    def _pause(failure: ProviderFailed, attempt: int) -> float:
        if failure.retry_after is not None:
            return min(max(failure.retry_after, 0.0), MAX_RETRY_AFTER)
        return BACKOFF_SECONDS * 2 ** (attempt - 1)

    def _report(self, operation: str, started: float, status: int | None,
                outcome: str, error: str = "") -> None:
        if self._on_call is None:
            return
        record = CallRecord(provider=self.name, operation=operation, method="POST",
                            path=self.path, status_code=status,
                            latency_ms=round((time.monotonic() - started) * 1000, 1),
                            outcome=outcome, error=error)
        try:
            self._on_call(record)
        except Exception:  # a broken log must not cost the seller the score
            log.exception("on_call failed for a %s call", self.name)


class RemoteProvider(RemoteCaller):
    """A scoring provider over HTTP: a caller that sends prompts and reads JSON back."""

    # -- the Provider protocol -----------------------------------------------------------

    def score(self, messages: Sequence[ChatLine]) -> Score:
        request = score_request(messages)
        return self._call(request.operation, lambda: self._send(request),
                          lambda text: read_score(text, request.instruction))

    def suggest(self, messages: Sequence[ChatLine], customer_name: str | None,
                style_note: str = "") -> Suggestion:
        request = suggest_request(messages, customer_name, style_note)
        return self._call(request.operation, lambda: self._send(request),
                          lambda text: read_suggestion(text, request.instruction))

    @abstractmethod
    def _send(self, request: ModelRequest) -> str | None:
        """One HTTP attempt: the answer's text, or ProviderFailed."""


def where(base_url: str) -> str:
    """host:port of a base URL, for the owner: no credentials, path or query."""
    return urlsplit(base_url).netloc.rpartition("@")[2] or "?"


def retry_after_header(value: str | None) -> float | None:
    """Retry-After in seconds (an HTTP date counts as unknown: rare from these APIs)."""
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
