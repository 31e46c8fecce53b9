"""OpenAI's Chat Completions API, and every server that speaks it (Ollama, vLLM, LM Studio).

Through the official `openai` SDK: `POST {base_url}/chat/completions`, the key as
`Authorization: Bearer`, our instructions as the system message, the chat as the one user
message, JSON asked with a strict `json_schema` response format. A local server may take
no key: then none is required and `Bearer no-key` goes out (the SDK insists on one).
OpenAI's quirks: an empty account is a 429 `insufficient_quota` (waiting does not help);
a model that declines answers a 200 with `refusal` and no content.
"""

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import openai
from django.utils.translation import gettext as _
from openai.types.chat import ChatCompletion

from ponte.ai import failures
from ponte.ai.calling import RemoteCaller, RemoteProvider, retry_after_header, where
from ponte.ai.failures import ProviderFailed, error_code
from ponte.ai.prompts import ModelRequest

OPENAI_BASE_URL = "https://api.openai.com/v1"
NO_KEY = "no-key"  # for local servers that check none
T = TypeVar("T")


class OpenAICaller(RemoteCaller):
    """The SDK's client for one server and what its failures mean; each route is a subclass
    (chat completions here, audio transcriptions in `transcribers.py`)."""

    name = "openai"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._base_url = (self.config.base_url or OPENAI_BASE_URL).rstrip("/")
        # Every argument given, so nothing comes from OPENAI_* environment variables.
        self._client = openai.OpenAI(
            api_key=self.config.api_key or NO_KEY, base_url=self._base_url, organization=None,
            project=None, timeout=self.config.timeout,
            max_retries=0)  # one request per call: we retry, and report each

    @property
    def label(self) -> str:
        if self._base_url == OPENAI_BASE_URL:
            return "OpenAI"
        return _("compatível com OpenAI em %(where)s") % {"where": where(self._base_url)}

    def close(self) -> None:
        self._client.close()

    def _check_ready(self) -> None:
        if not self.config.api_key and self._base_url == OPENAI_BASE_URL:
            raise failures.auth_failed(self.label, None)

    def _sdk(self, call: Callable[[], T]) -> T:
        """One SDK call (one request), its failures turned into ProviderFailed."""
        try:
            return call()
        except openai.APIStatusError as exc:
            raise self._status_failure(exc) from None
        except openai.APITimeoutError as exc:
            raise failures.timed_out(self.label, self.config.timeout, _cause(exc)) from None
        except openai.APIConnectionError as exc:
            if _cause(exc) == "ConnectError":
                raise failures.refused(self.label, "ConnectError") from None
            raise failures.unexpected(self.label, _cause(exc)) from None
        except ValueError as exc:  # the SDK could not read a 200's body
            raise failures.malformed(self.label,
                                     f"unreadable answer ({type(exc).__name__})") from None

    def _status_failure(self, exc: openai.APIStatusError) -> ProviderFailed:
        status = exc.status_code
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error", body)
        error = error if isinstance(error, dict) else {}
        code = error_code(error.get("code")) or error_code(error.get("type"))
        if status in (401, 403):
            return failures.auth_failed(self.label, status, code)
        if status == 429:
            wait = retry_after_header(exc.response.headers.get("retry-after"))
            return failures.rate_limited(self.label, status, code, wait,
                                         quota=code == "insufficient_quota")
        return failures.http_failed(self.label, status, code, self.config.model)


class OpenAICompatibleProvider(OpenAICaller, RemoteProvider):
    @property
    def path(self) -> str:
        return urlsplit(self._base_url).path + "/chat/completions"

    def _send(self, request: ModelRequest) -> str | None:
        completion = self._sdk(lambda: self._client.chat.completions.create(
            model=self.config.model,
            messages=[{"role": "system", "content": request.instruction},
                      {"role": "user", "content": request.data}],
            response_format={"type": "json_schema", "json_schema": {
                "name": request.schema_name, "strict": True, "schema": request.schema}},
        ))  # no temperature: reasoning models refuse any but their default
        return self._answer_text(completion)

    def _answer_text(self, completion: object) -> str | None:
        # With a body that is not JSON the SDK hands back the text, not a ChatCompletion;
        # with JSON of another shape it builds one without checking: trust neither.
        if not isinstance(completion, ChatCompletion):
            raise failures.malformed(self.label, "answer is not a chat completion")
        try:
            choice = completion.choices[0]
            message, finish = choice.message, choice.finish_reason
            content, refusal = message.content, message.refusal
        except (AttributeError, IndexError, TypeError):
            raise failures.malformed(self.label, "no choices") from None
        finish = error_code(finish) or ("unknown" if finish else None)
        if refusal or finish == "content_filter":
            raise failures.malformed(self.label, f"refused ({finish or 'refusal'})",
                                     why="blocked")
        if finish not in ("stop", None):  # "length": a cut answer
            raise failures.malformed(self.label, f"finish_reason {finish}")
        return content if isinstance(content, str) else None


def _cause(exc: BaseException) -> str:
    """The transport's own exception name (ReadTimeout, ConnectError), else ours."""
    return type(exc.__cause__).__name__ if exc.__cause__ is not None else type(exc).__name__
