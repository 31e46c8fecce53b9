"""A loopback stand-in for Google's Gemini API (generativelanguage.googleapis.com).

`POST /v1beta/models/{model}:generateContent` (and `/v1/`), the key in the
`x-goog-api-key` header or a `key` query parameter. Shapes as Google answers them:
`{"candidates": [{"content": {"parts": [{"text": ...}], "role": "model"},
"finishReason": "STOP", "index": 0}], "usageMetadata": {...}, "modelVersion",
"responseId"}`; errors `{"error": {"code", "message", "status", "details"}}`. Google's
quirks kept: a wrong key is a 400 INVALID_ARGUMENT with an API_KEY_INVALID ErrorInfo
(not a 401); no key at all is a 403; a 429 says how long to wait in a RetryInfo detail
rather than a header; a blocked prompt is a 200 with `promptFeedback.blockReason` and no
candidates.

Audio comes as an inline part (`inlineData` or `inline_data`: `mimeType` and base64
`data`), as the SDK sends a voice note to transcribe: a type Gemini does not take, or data
that is not base64, is a 400 as upstream. A request with audio and no response schema is
answered `transcript` (set it, or `answer_next(text)` for one request); `audio_parts`
lists what each request carried.
"""

import base64
import binascii
import re
import secrets
from typing import Any

from emulators.base import RecordedRequest, Reply
from emulators.language_model import LanguageModelEmulator, json_reply, tokens

ROUTE = re.compile(r"/(?P<version>v1beta|v1)/models/(?P<model>[^/:]+):generateContent")
MODELS = frozenset({"gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro",
                    "gemini-2.0-flash"})
# status -> (google.rpc code name, message), as the API words them.
STATUSES: dict[int, tuple[str, str]] = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: ("UNAUTHENTICATED", "Request had invalid authentication credentials."),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    404: ("NOT_FOUND", "Requested entity was not found."),
    429: ("RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan "
          "and billing details. For more information on this error, head to: "
          "https://ai.google.dev/gemini-api/docs/rate-limits."),
    500: ("INTERNAL", "An internal error has occurred. Please retry or report in "
          "https://developers.generativeai.google/guide/troubleshooting"),
    503: ("UNAVAILABLE", "The model is overloaded. Please try again later."),
    504: ("DEADLINE_EXCEEDED", "The request timed out. Please try again."),
}
KEY_INVALID = "API key not valid. Please pass a valid API key."
NO_KEY = ("Method doesn't allow unregistered callers (callers without established identity)."
          " Please use API Key or other form of API consumer identity to call this API.")
# The audio types Gemini takes inline (its docs' list, with the names browsers also use).
AUDIO_TYPES = frozenset({"audio/wav", "audio/x-wav", "audio/mp3", "audio/mpeg", "audio/aiff",
                         "audio/aac", "audio/ogg", "audio/flac", "audio/x-flac"})
SAFETY_CATEGORIES = ("HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_DANGEROUS_CONTENT",
                     "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_SEXUALLY_EXPLICIT")


class Emulator(LanguageModelEmulator):
    """Gemini's generateContent. keys: accepted API keys; models: served models."""

    PROVIDER = "gemini"

    def __init__(self, keys: Any = ("test-key",), *, models: Any = MODELS,
                 transcript: str = "", **options: Any) -> None:
        super().__init__(keys, models=models, **options)
        self.transcript = transcript

    @property
    def audio_parts(self) -> list[list[tuple[str, bytes]]]:
        """For each request, its inline parts as (mime type, decoded bytes)."""
        return [[(mime, data) for mime, data, _where in _inline_parts(request.json)]
                for request in self.requests]

    def _refusal(self, request: RecordedRequest) -> Reply | None:
        route = ROUTE.fullmatch(request.path)
        if route is None or request.method != "POST":
            return self._error(404, request, message=f"Path {request.path} was not found.")
        key = request.headers.get("x-goog-api-key") or request.query.get("key")
        if self.accepted_keys is not None:
            if not key:
                return self._error(403, request, message=NO_KEY, reason="")
            if key not in self.accepted_keys:
                return self._error(400, request, message=KEY_INVALID, reason="API_KEY_INVALID")
        body = request.json
        if not isinstance(body, dict):
            return self._error(400, request, message="Invalid JSON payload received.")
        if not body.get("contents"):
            return self._error(400, request, message="* GenerateContentRequest.contents: "
                               "contents is not specified")
        for mime, data, where in _inline_parts(body):
            if data is None:
                return self._error(400, request, message=(
                    f"Invalid value at '{where}.data' (TYPE_BYTES), Base64 decoding failed."))
            if mime.startswith("audio/") and mime not in AUDIO_TYPES:
                return self._error(400, request, message=f"Unsupported MIME type: {mime}")
        model = route["model"]
        if self.models is not None and model not in self.models:
            return self._error(404, request, message=(
                f"models/{model} is not found for API version {route['version']}, or is not "
                "supported for generateContent. Call ListModels to see the list of available "
                "models and their supported methods."))
        return None

    def _default_answer(self, request: RecordedRequest) -> str:
        heard = any(mime.startswith("audio/") for mime, _data, _where
                    in _inline_parts(request.json))
        if heard and self._schema(request) is None:
            return self.transcript
        return super()._default_answer(request)

    def _schema(self, request: RecordedRequest) -> dict[str, Any] | None:
        config = (request.json or {}).get("generationConfig") or {}
        schema = config.get("responseJsonSchema") or config.get("responseSchema")
        return schema if isinstance(schema, dict) else None

    def _user_text(self, request: RecordedRequest) -> str:
        return "\n".join(part.get("text", "")
                         for content in (request.json or {}).get("contents", [])
                         if content.get("role", "user") == "user"
                         for part in content.get("parts", []) if isinstance(part, dict))

    def _model(self, request: RecordedRequest) -> str:
        route = ROUTE.fullmatch(request.path)
        return route["model"] if route else ""

    def _usage(self, request: RecordedRequest, answer: str = "") -> dict[str, int]:
        asked = tokens(request.raw.decode("utf-8", "replace"))
        usage = {"promptTokenCount": asked, "totalTokenCount": asked}
        if answer:
            usage |= {"candidatesTokenCount": tokens(answer),
                      "totalTokenCount": asked + tokens(answer)}
        return usage

    def _envelope(self, request: RecordedRequest, **fields: Any) -> dict[str, Any]:
        return {**fields, "modelVersion": self._model(request),
                "responseId": secrets.token_urlsafe(16)}

    def _completion(self, request: RecordedRequest, content: str) -> Reply:
        candidate = {"content": {"parts": [{"text": content}], "role": "model"},
                     "finishReason": "STOP", "index": 0}
        return json_reply(200, self._envelope(request, candidates=[candidate],
                                              usageMetadata=self._usage(request, content)))

    def _empty(self, request: RecordedRequest) -> Reply:
        return json_reply(200, self._envelope(request, candidates=[],
                                              usageMetadata=self._usage(request)))

    def _blocked(self, request: RecordedRequest, code: str | None) -> Reply:
        """code "prompt": the prompt is blocked; else the answer stops with SAFETY."""
        ratings = [{"category": category, "probability": "HIGH" if i == 0 else "NEGLIGIBLE"}
                   for i, category in enumerate(SAFETY_CATEGORIES)]
        if code == "prompt":
            return json_reply(200, self._envelope(
                request, promptFeedback={"blockReason": "SAFETY", "safetyRatings": ratings},
                usageMetadata=self._usage(request)))
        candidate = {"finishReason": "SAFETY", "index": 0, "safetyRatings": ratings}
        return json_reply(200, self._envelope(request, candidates=[candidate],
                                              usageMetadata=self._usage(request)))

    def _error(self, status: int, request: RecordedRequest, *, body: Any = None,
               code: str | None = None, retry_after: float | None = None,
               message: str | None = None, reason: str | None = None) -> Reply:
        if body is not None:
            return json_reply(status, body)
        name, default = STATUSES.get(status, ("UNKNOWN", "Unknown error."))
        error: dict[str, Any] = {"code": status, "message": message or default,
                                 "status": name}
        details: list[dict[str, Any]] = []
        if reason := reason if reason is not None else code:
            details.append({"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": reason, "domain": "googleapis.com",
                            "metadata": {"service": "generativelanguage.googleapis.com"}})
        if status == 400 and reason == "API_KEY_INVALID":
            details.append({"@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                            "locale": "en-US", "message": error["message"]})
        if retry_after is not None:
            details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo",
                            "retryDelay": f"{retry_after:g}s"})
        if details:
            error["details"] = details
        return json_reply(status, {"error": error})


def _inline_parts(body: Any) -> list[tuple[str, bytes | None, str]]:
    """(mime type, decoded data or None if not base64, where) of each inline part."""
    found: list[tuple[str, bytes | None, str]] = []
    contents = body.get("contents") if isinstance(body, dict) else None
    for i, content in enumerate(contents if isinstance(contents, list) else []):
        parts = content.get("parts") if isinstance(content, dict) else None
        for j, part in enumerate(parts if isinstance(parts, list) else []):
            inline = (part.get("inlineData") or part.get("inline_data")
                      if isinstance(part, dict) else None)
            if not isinstance(inline, dict):
                continue
            mime = str(inline.get("mimeType") or inline.get("mime_type") or "")
            # Standard or URL-safe base64, as protobuf's JSON takes bytes (the SDK sends the
            # URL-safe kind).
            text = str(inline.get("data", "")).replace("-", "+").replace("_", "/")
            try:
                data = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                data = None
            found.append((mime.lower(), data, f"contents[{i}].parts[{j}].inline_data"))
    return found
