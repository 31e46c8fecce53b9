"""Google's Gemini API (generativelanguage), through the official `google-genai` SDK.

`POST /v1beta/models/{model}:generateContent`, the key in `x-goog-api-key`, our
instructions as `systemInstruction`, the chat as the one user turn, JSON asked with
`responseMimeType` and `responseJsonSchema`. Gemini's quirks: a bad key is a 400 whose
details say API_KEY_INVALID; a 429 says how long to wait in a RetryInfo detail; a blocked
prompt comes back as a 200 with no candidates and a `promptFeedback.blockReason`.
"""

from typing import Any

from django.utils.translation import gettext as _
from google import genai
from google.genai import errors, types

from ponte.ai import failures
from ponte.ai.calling import RemoteCaller, RemoteProvider, retry_after_header, where
from ponte.ai.failures import ProviderFailed, error_code
from ponte.ai.prompts import ModelRequest

API_VERSION = "v1beta"


class GeminiCaller(RemoteCaller):
    """The SDK's client and what Gemini's failures mean; what is asked is the subclass's
    (a score or reply here, a transcript in `transcribers.py`)."""

    name = "gemini"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No key: no client (the SDK would look for one in the environment).
        self._client = genai.Client(
            vertexai=False, api_key=self.config.api_key,
            http_options=types.HttpOptions(
                base_url=self.config.base_url or None, api_version=API_VERSION,
                timeout=max(1, int(self.config.timeout * 1000)),
                retry_options=None),  # one request per call: we retry, and report each
        ) if self.config.api_key else None

    @property
    def label(self) -> str:
        if not self.config.base_url:
            return "Gemini"
        return _("Gemini em %(where)s") % {"where": where(self.config.base_url)}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def _check_ready(self) -> None:
        if self._client is None:
            raise failures.auth_failed(self.label, None)

    def _generate(self, contents: list[types.Content],
                  config: types.GenerateContentConfig) -> str | None:
        """One generateContent request; the answer's text, or ProviderFailed."""
        assert self._client is not None
        try:
            response = self._client.models.generate_content(
                model=self.config.model, contents=contents, config=config)
        except errors.APIError as exc:
            raise self._status_failure(exc) from None
        except Exception as exc:
            raise self._transport_failure(exc) from None
        return self._answer_text(response)

    def _answer_text(self, response: types.GenerateContentResponse) -> str | None:
        feedback = response.prompt_feedback
        if feedback is not None and feedback.block_reason is not None:
            blocked = _enum(feedback.block_reason)
            raise failures.malformed(self.label, f"prompt blocked: {blocked}", why="blocked")
        if not response.candidates:
            raise failures.malformed(self.label, "no candidates")
        candidate = response.candidates[0]
        reason = _enum(candidate.finish_reason) if candidate.finish_reason else "STOP"
        if reason in ("SAFETY", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "RECITATION"):
            raise failures.malformed(self.label, f"finishReason {reason}", why="blocked")
        if reason != "STOP":  # MAX_TOKENS and the rest: a cut or odd answer
            raise failures.malformed(self.label, f"finishReason {reason}")
        parts = candidate.content.parts if candidate.content else None
        return "".join(part.text for part in parts or () if part.text and not part.thought)

    def _status_failure(self, exc: errors.APIError) -> ProviderFailed:
        status, code = exc.code, error_code(exc.status)
        body = exc.details if isinstance(exc.details, dict) else {}
        reasons = {error_code(d.get("reason")) for d in _details(body)}
        if status in (401, 403) or "API_KEY_INVALID" in reasons:
            key_invalid = "API_KEY_INVALID" in reasons
            return failures.auth_failed(self.label, status,
                                        "API_KEY_INVALID" if key_invalid else code)
        if status == 429:
            response = getattr(exc, "response", None)
            header = response.headers.get("retry-after") if response is not None else None
            wait = retry_after_header(header)
            return failures.rate_limited(self.label, status, code,
                                         wait if wait is not None else _retry_delay(body))
        return failures.http_failed(self.label, status, code, self.config.model)

    def _transport_failure(self, exc: Exception) -> ProviderFailed:
        kinds = {cls.__name__ for cls in type(exc).__mro__}  # httpx or httpx2, same names
        if "TimeoutException" in kinds:
            return failures.timed_out(self.label, self.config.timeout, type(exc).__name__)
        if "ConnectError" in kinds:
            return failures.refused(self.label, type(exc).__name__)
        if isinstance(exc, ValueError):  # the SDK could not read a 200's body
            return failures.malformed(self.label, f"unreadable answer ({type(exc).__name__})")
        return failures.unexpected(self.label, type(exc).__name__)


class GeminiProvider(GeminiCaller, RemoteProvider):
    @property
    def path(self) -> str:
        return f"/{API_VERSION}/models/{self.config.model}:generateContent"

    def _send(self, request: ModelRequest) -> str | None:
        config = types.GenerateContentConfig(
            system_instruction=request.instruction,
            response_mime_type="application/json",
            response_json_schema=request.schema,
            candidate_count=1,
        )  # no temperature: each model's own (Gemini 3 asks for it to be left alone)
        contents = [types.Content(role="user", parts=[types.Part(text=request.data)])]
        return self._generate(contents, config)


def _details(body: dict[str, Any]) -> list[dict[str, Any]]:
    error = body.get("error", body)
    details = error.get("details") if isinstance(error, dict) else None
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


def _retry_delay(body: dict[str, Any]) -> float | None:
    """google.rpc.RetryInfo's retryDelay ("37s"), in seconds."""
    for detail in _details(body):
        delay = detail.get("retryDelay")
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return float(delay[:-1])
            except ValueError:
                return None
    return None


def _enum(value: Any) -> str:
    return error_code(getattr(value, "value", value)) or "UNKNOWN"
