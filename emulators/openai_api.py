"""A loopback stand-in for OpenAI's Chat Completions API (and the servers that copy it).

`POST /v1/chat/completions` with `Authorization: Bearer <key>`. Shapes as OpenAI answers
them: `{"id": "chatcmpl-...", "object": "chat.completion", "created", "model",
"choices": [{"index": 0, "message": {"role": "assistant", "content", "refusal": null},
"finish_reason": "stop"}], "usage": {...}}`; errors `{"error": {"message", "type",
"param", "code"}}`. OpenAI's quirks kept: a wrong key's 401 message quotes the key's
first and last characters; an empty account is a 429 `insufficient_quota`; a strict
`json_schema` response format whose objects do not list every property as required or
allow additional properties is a 400; a model that declines answers `refusal` with no
content. `keys=None` is a local server (Ollama, vLLM) that accepts any key.
"""

import secrets
import time
from typing import Any

from emulators.base import RecordedRequest, Reply
from emulators.language_model import LanguageModelEmulator, json_reply, tokens

PATH = "/v1/chat/completions"
MODELS = frozenset({"gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1"})
# status -> (type, code, message), as OpenAI words them.
STATUSES: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "unsupported_country_region_territory",
          "Country, region, or territory not supported"),
    404: ("invalid_request_error", None, "Not found."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try "
          "again in 1s."),
    500: ("server_error", None, "The server had an error while processing your request. "
          "Sorry about that!"),
    503: ("server_error", None, "The engine is currently overloaded, please try again later"),
}
QUOTA = ("insufficient_quota", "insufficient_quota", "You exceeded your current quota, "
         "please check your plan and billing details. For more information on this error, "
         "read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.")
NO_KEY = ("You didn't provide an API key. You need to provide your API key in an "
          "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
REFUSAL = "I'm sorry, but I can't help with that."


class Emulator(LanguageModelEmulator):
    """OpenAI's chat completions. keys: accepted keys (None: any); models: served models."""

    PROVIDER = "openai"

    def __init__(self, keys: Any = ("sk-test-key",), *, models: Any = MODELS,
                 **options: Any) -> None:
        super().__init__(keys, models=models, **options)

    def _refusal(self, request: RecordedRequest) -> Reply | None:
        if request.path != PATH or request.method != "POST":
            return self._error(404, request, message=f"Invalid URL ({request.method} "
                               f"{request.path})", code="")
        if self.accepted_keys is not None:
            authorization = request.headers.get("authorization", "")
            key = authorization.removeprefix("Bearer ").strip()
            if not authorization.startswith("Bearer ") or not key:
                return self._error(401, request, message=NO_KEY, code="")
            if key not in self.accepted_keys:
                return self._error(401, request, message=(
                    f"Incorrect API key provided: {_shown(key)}. You can find your API key "
                    "at https://platform.openai.com/account/api-keys."))
        body = request.json
        if not isinstance(body, dict):
            return self._error(400, request, message="We could not parse the JSON body of "
                               "your request.")
        if not body.get("messages"):
            return self._error(400, request, message="Missing required parameter: "
                               "'messages'.", param="messages", code="missing_required_parameter")
        model = body.get("model")
        if self.models is not None and model not in self.models:
            return self._error(404, request, message=f"The model `{model}` does not exist "
                               "or you do not have access to it.", code="model_not_found")
        response_format = body.get("response_format") or {}
        if response_format.get("type") == "json_schema":
            spec = response_format.get("json_schema") or {}
            problem = _strict_problem(spec.get("schema") or {}) if spec.get("strict") else None
            if problem:
                return self._error(400, request, message=(
                    f"Invalid schema for response_format '{spec.get('name')}': {problem}"),
                    param="response_format", code="invalid_json_schema")
        return None

    def _schema(self, request: RecordedRequest) -> dict[str, Any] | None:
        response_format = (request.json or {}).get("response_format") or {}
        schema = (response_format.get("json_schema") or {}).get("schema")
        return schema if isinstance(schema, dict) else None

    def _user_text(self, request: RecordedRequest) -> str:
        return "\n".join(_text(message.get("content"))
                         for message in (request.json or {}).get("messages", [])
                         if isinstance(message, dict) and message.get("role") == "user")

    def _envelope(self, request: RecordedRequest, choices: list[dict[str, Any]],
                  answer: str = "") -> Reply:
        asked = tokens(request.raw.decode("utf-8", "replace"))
        said = tokens(answer) if answer else 0
        body = {"id": f"chatcmpl-{secrets.token_urlsafe(21)}", "object": "chat.completion",
                "created": int(time.time()), "model": (request.json or {}).get("model"),
                "choices": choices,
                "usage": {"prompt_tokens": asked, "completion_tokens": said,
                          "total_tokens": asked + said},
                "service_tier": "default", "system_fingerprint": "fp_emulator"}
        return json_reply(200, body, _headers())

    def _completion(self, request: RecordedRequest, content: str) -> Reply:
        return self._envelope(request, [_choice(content, None, "stop")], content)

    def _empty(self, request: RecordedRequest) -> Reply:
        return self._envelope(request, [])

    def _blocked(self, request: RecordedRequest, code: str | None) -> Reply:
        """code "content_filter": Azure's filter stops it; else the model refuses."""
        if code == "content_filter":
            return self._envelope(request, [_choice(None, None, "content_filter")])
        return self._envelope(request, [_choice(None, REFUSAL, "stop")])

    def _error(self, status: int, request: RecordedRequest, *, body: Any = None,
               code: str | None = None, retry_after: float | None = None,
               message: str | None = None, param: str | None = None) -> Reply:
        headers = _headers()
        if retry_after is not None:
            headers["retry-after"] = f"{retry_after:g}"
        if body is not None:
            return json_reply(status, body, headers)
        kind, default_code, default_message = STATUSES.get(
            status, ("server_error", None, "Unexpected error."))
        if code == "insufficient_quota":
            kind, default_code, default_message = QUOTA
        error = {"message": message or default_message, "type": kind, "param": param,
                 "code": (code or None) if code is not None else default_code}
        return json_reply(status, {"error": error}, headers)


def _choice(content: str | None, refusal: str | None, finish: str) -> dict[str, Any]:
    return {"index": 0, "message": {"role": "assistant", "content": content,
                                    "refusal": refusal, "annotations": []},
            "logprobs": None, "finish_reason": finish}


def _headers() -> dict[str, str]:
    return {"x-request-id": f"req_{secrets.token_hex(16)}", "openai-processing-ms": "42"}


def _shown(key: str) -> str:
    """How OpenAI quotes a wrong key: a few characters each side of the stars."""
    return f"{key[:3]}{'*' * 12}{key[-4:]}" if len(key) > 8 else "*" * len(key)


def _text(content: Any) -> str:
    """A message's content: a string, or a list of parts of which the text ones count."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content
                         if isinstance(part, dict) and part.get("type") == "text")
    return ""


def _strict_problem(schema: dict[str, Any], where: str = "()") -> str | None:
    """Why OpenAI's strict mode would refuse this schema, or None."""
    if schema.get("type") == "object":
        properties = schema.get("properties") or {}
        if schema.get("additionalProperties") is not False:
            return (f"In context={where}, 'additionalProperties' is required to be supplied "
                    "and to be false.")
        missing = [name for name in properties if name not in (schema.get("required") or [])]
        if missing:
            return (f"In context={where}, 'required' is required to be supplied and to be an "
                    f"array including every key in properties. Missing '{missing[0]}'.")
        for name, child in properties.items():
            if problem := _strict_problem(child, f"{where[:-1]}'properties', '{name}')"):
                return problem
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return _strict_problem(schema["items"], f"{where[:-1]}'items')")
    return None
