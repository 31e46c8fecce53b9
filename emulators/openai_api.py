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

`POST /v1/audio/transcriptions` too (OpenAI's, and Groq's or a faster-whisper server's
copies of it): multipart/form-data with `file`, `model`, optional `language` (ISO-639-1),
`prompt`, `temperature` and `response_format` (`json`: `{"text", "usage"}`; `text`: the
words as text/plain; `verbose_json`: language, duration and segments too). As OpenAI
answers: no file or no model, a file whose name has no supported extension, bytes no
decoder reads, a language that is not a two-letter code: 400; over 25 MB: 413; an unknown
model: 404; the key checked as for chats (401). It answers `transcript` (set it, or
`answer_next(text)` for one request); `fail_next` and the rest script failures as for chats.
`transcriptions` lists what each upload carried.
"""

import re
import secrets
import time
from typing import Any

from emulators.audio import FormPart, audio_format, duration, parse_form
from emulators.base import RecordedRequest, Reply
from emulators.language_model import LanguageModelEmulator, json_reply, tokens

PATH = "/v1/chat/completions"
TRANSCRIPTIONS_PATH = "/v1/audio/transcriptions"
MODELS = frozenset({"gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1"})
# OpenAI's, then Groq's Whisper names (a faster-whisper server takes any: models=None).
TRANSCRIPTION_MODELS = frozenset({"whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe",
                                  "whisper-large-v3", "whisper-large-v3-turbo"})
AUDIO_EXTENSIONS = ("flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm")
RESPONSE_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
MAX_AUDIO_BYTES = 25 * 1024 * 1024
_LANGUAGE = re.compile(r"[a-z]{2}")
# status -> (type, code, message), as OpenAI words them.
STATUSES: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "unsupported_country_region_territory",
          "Country, region, or territory not supported"),
    404: ("invalid_request_error", None, "Not found."),
    413: ("invalid_request_error", None, "Request entity too large."),
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
    """OpenAI's chat completions and audio transcriptions. keys: accepted keys (None: any);
    models, transcription_models: served models (None: any name); transcript: what every
    audio says."""

    PROVIDER = "openai"

    def __init__(self, keys: Any = ("sk-test-key",), *, models: Any = MODELS,
                 transcription_models: Any = TRANSCRIPTION_MODELS, transcript: str = "",
                 **options: Any) -> None:
        super().__init__(keys, models=models, **options)
        self.transcription_models: set[str] | None = (
            None if transcription_models is None else set(transcription_models))
        self.transcript = transcript

    @property
    def transcriptions(self) -> list[dict[str, Any]]:
        """What each request to the transcription route uploaded: the file's bytes, name and
        type, and the other fields as text."""
        uploads = []
        for request in self.requests:
            if request.path != TRANSCRIPTIONS_PATH:
                continue
            form = _form(request) or {}
            upload = form.get("file")
            uploads.append({
                "file": upload.data if upload else None,
                "filename": upload.filename if upload else None,
                "content_type": upload.content_type if upload else None,
                **{name: part.text for name, part in form.items() if name != "file"}})
        return uploads

    def _refusal(self, request: RecordedRequest) -> Reply | None:
        if request.method == "POST" and request.path == TRANSCRIPTIONS_PATH:
            return self._key_refusal(request) or self._transcription_refusal(request)
        if request.path != PATH or request.method != "POST":
            return self._error(404, request, message=f"Invalid URL ({request.method} "
                               f"{request.path})", code="")
        refused = self._key_refusal(request)
        if refused is not None:
            return refused
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

    def _key_refusal(self, request: RecordedRequest) -> Reply | None:
        if self.accepted_keys is not None:
            authorization = request.headers.get("authorization", "")
            key = authorization.removeprefix("Bearer ").strip()
            if not authorization.startswith("Bearer ") or not key:
                return self._error(401, request, message=NO_KEY, code="")
            if key not in self.accepted_keys:
                return self._error(401, request, message=(
                    f"Incorrect API key provided: {_shown(key)}. You can find your API key "
                    "at https://platform.openai.com/account/api-keys."))
        return None

    def _transcription_refusal(self, request: RecordedRequest) -> Reply | None:
        """OpenAI's 400s, 404 and 413 for an upload it will not transcribe."""
        if len(request.raw) > MAX_AUDIO_BYTES:
            return self._error(413, request, message=(
                f"Maximum content size limit ({MAX_AUDIO_BYTES}) exceeded "
                f"({len(request.raw)} bytes read)"), code="")
        form = _form(request)
        if form is None:
            return self._error(400, request, message=(
                "Invalid Content-Type header ({}), expected multipart/form-data.".format(
                    request.headers.get("content-type", "none"))))
        model = form.get("model")
        if model is None or not model.text:
            return self._error(400, request, message="you must provide a model parameter")
        upload = form.get("file")
        if upload is None or upload.filename is None:
            return self._error(400, request, message=(
                "1 validation error for Request\nbody -> file\n  field required "
                "(type=value_error.missing)"))
        if self.transcription_models is not None and \
                model.text not in self.transcription_models:
            return self._error(404, request, message=f"The model `{model.text}` does not "
                               "exist or you do not have access to it.",
                               code="model_not_found")
        extension = upload.filename.rpartition(".")[2].lower() if "." in upload.filename \
            else ""
        if extension not in AUDIO_EXTENSIONS:
            return self._error(400, request, message=(
                f"Invalid file format. Supported formats: {list(AUDIO_EXTENSIONS)}"))
        if audio_format(upload.data) is None:
            return self._error(400, request, message=(
                "Audio file might be corrupted or unsupported"), param="file",
                code="invalid_value")
        language = form.get("language")
        if language is not None and not _LANGUAGE.fullmatch(language.text):
            return self._error(400, request, message=(
                f"Invalid language '{language.text}'. Language parameter must be specified "
                "in ISO-639-1 format."), param="language", code="invalid_language_format")
        response_format = form.get("response_format")
        if response_format is not None and response_format.text not in RESPONSE_FORMATS:
            return self._error(400, request, message=(
                f"Invalid value: '{response_format.text}'. Supported values are: "
                + ", ".join(f"'{f}'" for f in RESPONSE_FORMATS) + "."),
                param="response_format", code="invalid_value")
        return None

    def _default_answer(self, request: RecordedRequest) -> str:
        if request.path == TRANSCRIPTIONS_PATH:
            return self.transcript
        return super()._default_answer(request)

    def _transcription(self, request: RecordedRequest, text: str) -> Reply:
        """The words in the response_format asked (json by default)."""
        form = _form(request) or {}
        asked = form["response_format"].text if "response_format" in form else "json"
        upload = form.get("file")
        seconds = (duration(upload.data) if upload else None) or 0.0
        usage = {"type": "duration", "seconds": max(1, round(seconds))}
        if asked == "text":
            return Reply(200, (text + "\n").encode(),
                         {"Content-Type": "text/plain; charset=utf-8", **_headers()})
        if asked in ("srt", "vtt"):
            cue = f"00:00:00,000 --> 00:00:{min(59, round(seconds)):02d},000\n{text}\n"
            body = f"1\n{cue}" if asked == "srt" else "WEBVTT\n\n" + cue.replace(",", ".")
            return Reply(200, body.encode(), {"Content-Type": "text/plain; charset=utf-8",
                                               **_headers()})
        if asked == "verbose_json":
            language = form["language"].text if "language" in form else "pt"
            segment = {"id": 0, "seek": 0, "start": 0.0, "end": round(seconds, 2),
                       "text": f" {text}", "tokens": [50364, 50414], "temperature": 0.0,
                       "avg_logprob": -0.21, "compression_ratio": 0.9,
                       "no_speech_prob": 0.01}
            return json_reply(200, {"task": "transcribe",
                                    "language": _LANGUAGE_NAMES.get(language, language),
                                    "duration": round(seconds, 2), "text": text,
                                    "segments": [segment] if text else [], "usage": usage},
                              _headers())
        return json_reply(200, {"text": text, "usage": usage}, _headers())

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
        if request.path == TRANSCRIPTIONS_PATH:
            return self._transcription(request, content)
        return self._envelope(request, [_choice(content, None, "stop")], content)

    def _empty(self, request: RecordedRequest) -> Reply:
        if request.path == TRANSCRIPTIONS_PATH:
            return self._transcription(request, "")
        return self._envelope(request, [])

    def _blocked(self, request: RecordedRequest, code: str | None) -> Reply:
        """code "content_filter": Azure's filter stops it; else the model refuses. (The
        transcription route has no filter: it answers no words.)"""
        if request.path == TRANSCRIPTIONS_PATH:
            return self._transcription(request, "")
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


_LANGUAGE_NAMES = {"pt": "portuguese", "en": "english", "es": "spanish"}


def _form(request: RecordedRequest) -> dict[str, FormPart] | None:
    return parse_form(request.headers.get("content-type", ""), request.raw)


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
