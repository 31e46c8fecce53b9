"""What the two language-model emulators share: a loopback server that reads chats.

`LanguageModelEmulator` stands in for a hosted model's HTTP API in tests: it records every
request (`requests`), checks the key and the model as the real API does, and answers with
a plausible score or reply worked out from keywords, in whatever JSON schema the request
asked for. Tests script what comes next, in order: `fail_next` (an error status, with
Retry-After), `hang_next` (hold the answer), `answer_next` (the model's exact text),
`malformed_next` (a 200 whose body is not JSON), `empty_next` (no candidates or choices)
and `block_next` (the provider's safety filter). Each API's module supplies its routes,
its auth and its bodies. The server itself is the engines' (`emulators.base`).

Standard library only: it must run wherever the tests run.
"""

import json
import re
import threading
import unicodedata
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Self
from urllib.parse import parse_qsl, urlsplit

from emulators.base import (
    LOOPBACK,
    Headers,
    RecordedRequest,
    Reply,
    _Handler,  # the engines' request handler: it calls `_receive`, as here
    _LoopbackServer,
    json_or_none,
)


@dataclass(frozen=True)
class Scripted:
    """What the next request gets instead of the model's own answer."""

    kind: str  # "fail", "hang", "answer", "malformed", "empty", "block"
    status: int = 200
    body: Any = None  # fail: the error body instead of the API's own
    code: str | None = None  # fail: the API's error code (OpenAI) or reason (Gemini)
    retry_after: float | None = None
    seconds: float = 0.0  # hang
    content: str | None = None  # answer


class LanguageModelEmulator(ABC):
    """A model's HTTP API on 127.0.0.1, driven and inspected by tests.

    keys: the API keys it accepts; None accepts any (a local server that checks none).
    models: the models it serves; None serves any name.
    latency: seconds every answer waits.
    """

    PROVIDER: ClassVar[str]  # names the thread

    def __init__(self, keys: Iterable[str] | None = ("test-key",), *,
                 models: Iterable[str] | None = None, latency: float = 0.0,
                 port: int = 0) -> None:
        self.accepted_keys: list[str] | None = None if keys is None else list(keys)
        self.models: set[str] | None = None if models is None else set(models)
        self.latency = latency
        self.requests: list[RecordedRequest] = []
        self._script: deque[Scripted] = deque()
        self._lock = threading.Lock()
        self._port = port
        self._server: _LoopbackServer | None = None
        self._stopping = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self._port}"

    def start(self) -> Self:
        if self._server is None:
            self._stopping.clear()
            self._server = _LoopbackServer(self._port, _Handler, self,
                                           f"{self.PROVIDER}-emulator")
            self._port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        """Close the port (a client now gets connection refused); held answers are dropped."""
        server, self._server = self._server, None
        if server is not None:
            self._stopping.set()
            server.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------------------

    def fail_next(self, status: int, body: Any = None, *, times: int = 1,
                  retry_after: float | None = None, code: str | None = None) -> None:
        """Answer the next `times` requests with `status` and the API's error body for it
        (or `body`); `retry_after` asks the client to wait, as the API says it."""
        self._add([Scripted("fail", status, body, code, retry_after)] * times)

    def hang_next(self, seconds: float) -> None:
        """Hold the next answer for `seconds` (then answer, to a client long gone)."""
        self._add([Scripted("hang", seconds=seconds)])

    def answer_next(self, content: str | dict[str, Any], *, times: int = 1) -> None:
        """The model's next answer text, exactly (a dict is sent as its JSON)."""
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        self._add([Scripted("answer", content=text)] * times)

    def malformed_next(self) -> None:
        """Answer 200 with a body cut short: not JSON at all."""
        self._add([Scripted("malformed")])

    def empty_next(self) -> None:
        """Answer 200 with no candidate (Gemini) or no choice (OpenAI)."""
        self._add([Scripted("empty")])

    def block_next(self, code: str | None = None) -> None:
        """The provider's safety filter stops the answer (the API's own way of saying so)."""
        self._add([Scripted("block", code=code)])

    def _add(self, items: list[Scripted]) -> None:
        with self._lock:
            self._script.extend(items)

    def _take(self) -> Scripted | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    # -- reading what was sent ---------------------------------------------------------

    @property
    def last(self) -> RecordedRequest:
        return self.requests[-1]

    # -- one request -------------------------------------------------------------------

    def _receive(self, method: str, target: str, headers: Iterable[tuple[str, str]],
                 raw: bytes) -> Reply | None:
        split = urlsplit(target)
        request = RecordedRequest(method=method, path=split.path,
                                  query=dict(parse_qsl(split.query)), headers=Headers(headers),
                                  json=json_or_none(raw), operation=None, target=target,
                                  raw=raw)
        with self._lock:
            self.requests.append(request)
        if self._pause(self.latency):
            return None
        refusal = self._refusal(request)  # path, key, body and model come first, as upstream
        if refusal is not None:
            return refusal
        scripted = self._take()
        if scripted is not None and scripted.kind == "hang":
            if self._pause(scripted.seconds):
                return None
            scripted = None
        if scripted is None:
            return self._completion(request, self._default_answer(request))
        if scripted.kind == "fail":
            return self._error(scripted.status, request, body=scripted.body, code=scripted.code,
                               retry_after=scripted.retry_after)
        if scripted.kind == "malformed":
            return Reply(200, b'{"candidates": [{"content": {"parts": [{"te',
                         {"Content-Type": "application/json; charset=UTF-8"})
        if scripted.kind == "empty":
            return self._empty(request)
        if scripted.kind == "block":
            return self._blocked(request, scripted.code)
        return self._completion(request, scripted.content or "")

    def _pause(self, seconds: float) -> bool:
        """Wait unless the emulator stops first; True when it did (then answer nothing)."""
        return seconds > 0 and self._stopping.wait(seconds)

    def _default_answer(self, request: RecordedRequest) -> str:
        """What a sensible model would say: a score or a reply, in the schema asked."""
        properties = (self._schema(request) or {}).get("properties") or {}
        said = self._conversation(request)
        if "score" in properties:
            return json.dumps(keyword_score(said), ensure_ascii=False)
        if "text" in properties:
            return json.dumps(keyword_reply(said, self._customer_name(request)),
                              ensure_ascii=False)
        return "Olá! Como posso ajudar?"

    def _conversation(self, request: RecordedRequest) -> list[str]:
        """The customer's lines, read from the JSON data a client sends (else all text)."""
        text = self._user_text(request)
        data = _json_or_none(text)
        if isinstance(data, dict) and isinstance(data.get("conversa"), list):
            return [str(line.get("texto", "")) for line in data["conversa"]
                    if isinstance(line, dict) and line.get("de") == "cliente"]
        return [text]

    def _customer_name(self, request: RecordedRequest) -> str:
        data = _json_or_none(self._user_text(request))
        name = data.get("cliente") if isinstance(data, dict) else None
        return name if isinstance(name, str) else ""

    # -- what each API supplies --------------------------------------------------------

    @abstractmethod
    def _refusal(self, request: RecordedRequest) -> Reply | None:
        """The API's answer to a wrong path, key, body or model; None when all is well."""

    @abstractmethod
    def _schema(self, request: RecordedRequest) -> dict[str, Any] | None:
        """The JSON schema the request asked the answer to follow."""

    @abstractmethod
    def _user_text(self, request: RecordedRequest) -> str:
        """Everything the user turn(s) of the request said."""

    @abstractmethod
    def _completion(self, request: RecordedRequest, content: str) -> Reply:
        """A successful answer whose text is `content`."""

    @abstractmethod
    def _error(self, status: int, request: RecordedRequest, *, body: Any = None,
               code: str | None = None, retry_after: float | None = None) -> Reply:
        """The API's error answer for `status`."""

    @abstractmethod
    def _empty(self, request: RecordedRequest) -> Reply:
        """A 200 with nothing in it."""

    @abstractmethod
    def _blocked(self, request: RecordedRequest, code: str | None) -> Reply:
        """A 200 saying the safety filter stopped the answer."""


def json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(body, ensure_ascii=False).encode(),
                 {"Content-Type": "application/json; charset=UTF-8", **(headers or {})})


def tokens(text: str) -> int:
    """About how many tokens a text is (four characters each), for usage counts."""
    return max(1, len(text) // 4)


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


# -- the emulated model: keywords, not understanding -----------------------------------

_CUES: dict[str, tuple[str, ...]] = {
    "price": ("quanto", "preco", "valor", "custa"),
    "payment": ("pix", "cartao", "boleto", "parcel"),
    "delivery": ("entrega", "frete", "envia", "cep"),
    "stock": ("tem o", "tem a", "tem no", "estoque", "disponivel"),
    "order": ("quero", "vou levar", "separa", "fechar", "comprar"),
    "proof_of_payment": ("comprovante", "paguei", "fiz o pix"),
    "complaint": ("pessimo", "absurdo", "reclama", "atras", "demora", "nao chegou"),
    "undecided": ("vou pensar", "depois eu vejo", "talvez"),
    "thanks": ("obrigad", "valeu"),
    "greeting": ("oi", "ola", "bom dia", "boa tarde", "boa noite"),
}
_WEIGHTS = {"price": 15, "payment": 20, "delivery": 15, "stock": 10, "order": 25,
            "proof_of_payment": 35, "complaint": -25, "undecided": -25, "thanks": 0,
            "greeting": 0}
_REASONS = {"price": "pediu preço", "payment": "perguntou a forma de pagamento",
            "delivery": "perguntou sobre entrega", "stock": "perguntou se tem no estoque",
            "order": "pediu para separar ou fechar", "proof_of_payment": "enviou comprovante",
            "complaint": "fez uma reclamação", "undecided": "disse que vai pensar"}
_POSITIVE = ("obrigad", "otimo", "perfeito", "amei", "adorei", "lindo", "maravilh")
_NEGATIVE = ("caro", "pessimo", "absurdo", "desisti", "nao quero", "demora", "atras")
_REPLIES = {
    "price": "Oi{name}! Já te passo o valor. Quer saber também o frete?",
    "payment": "Oi{name}! Aceitamos Pix e cartão. Como prefere pagar?",
    "delivery": "Oi{name}! Entregamos sim. Me passa o seu CEP para eu calcular o frete?",
    "stock": "Oi{name}! Vou conferir no estoque e já te falo.",
    "order": "Oba{name}! Vou separar para você. Como prefere pagar?",
    "proof_of_payment": "Obrigada{name}! Recebi o comprovante e já vou separar o pedido.",
    "complaint": "Poxa{name}, sinto muito. Vou verificar agora e te dou um retorno.",
    "undecided": "Tudo bem{name}, fique à vontade! Qualquer dúvida, estou por aqui.",
    "thanks": "Nós que agradecemos{name}! Qualquer coisa, é só chamar.",
    "greeting": "Oi{name}! Tudo bem? Como posso te ajudar?",
    "other": "Oi{name}! Obrigada pela mensagem. Como posso te ajudar?",
}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _topics(text: str) -> list[str]:
    plain = _plain(text)
    return [topic for topic, cues in _CUES.items()
            if any(re.search(rf"\b{re.escape(cue)}", plain) for cue in cues)]


def keyword_score(customer_lines: list[str]) -> dict[str, Any]:
    """A score a model might give: buying words up, doubts and complaints down."""
    text = " ".join(customer_lines)
    topics = _topics(text)
    last = _topics(customer_lines[-1]) if customer_lines else []
    score = 20 + sum(_WEIGHTS[topic] for topic in topics)
    score += sum(_WEIGHTS[topic] for topic in last if _WEIGHTS[topic] < 0)  # how it ended
    score = max(0, min(100, score))
    plain = _plain(text)
    good = sum(plain.count(word) for word in _POSITIVE)
    bad = sum(plain.count(word) for word in _NEGATIVE)
    value = round((good - bad) / max(1, good + bad), 2)
    label = "positive" if value > 0.2 else "negative" if value < -0.2 else "neutral"
    return {"score": score, "sentiment": {"label": label, "value": value},
            "intent": round(score / 100, 2),
            "reasons": [_REASONS[topic] for topic in topics if topic in _REASONS][:3]}


def keyword_reply(customer_lines: list[str], name: str) -> dict[str, str]:
    """A reply a model might write: to the latest thing the customer asked."""
    topic = "other"
    for line in reversed(customer_lines):
        found = [t for t in _topics(line) if t != "greeting"] or _topics(line)
        if found:
            topic = found[0]
            break
    return {"text": _REPLIES[topic].format(name=f", {name}" if name else ""), "topic": topic}
