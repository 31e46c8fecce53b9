"""Reading a remote model's answer: our schema, checked here, whatever the model promised.

A model asked for JSON may still send prose, a number out of range, a missing field or our
own instructions back (a customer line that talked it into it). Each of those is an
`AnswerRejected` with a short reason in English for the diagnostic log: field names and
error kinds only, never the answer's text, which may quote the customer. Only reasons are
tidied (at most 4, each cut to 80 characters); everything else is taken or refused.
"""

import json
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ponte.ai.prompts import MAX_REASON_CHARS, MAX_REASONS, MAX_REPLY_CHARS, TOPICS
from ponte.ai.scoring import Score, Sentiment, Suggestion


class AnswerRejected(Exception):
    """The answer is not what we asked for; the message names what, never the content."""

    def __init__(self, message: str, why: str = "format") -> None:
        super().__init__(message)
        self.why = why  # "format", or "echo": it repeats our instructions


class _Strict(BaseModel):
    # Strict: "85" is not 85, true is not 1. Extra fields are ignored: harmless.
    model_config = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False)


class _SentimentAnswer(_Strict):
    label: Literal["negative", "neutral", "positive"]
    value: Annotated[float, Field(ge=-1, le=1)]


class _ScoreAnswer(_Strict):
    score: Annotated[int, Field(ge=0, le=100)]
    sentiment: _SentimentAnswer
    intent: Annotated[float, Field(ge=0, le=1)]
    reasons: list[str]


class _SuggestionAnswer(_Strict):
    text: str
    topic: Literal[TOPICS]  # type: ignore[valid-type]


_FENCE = re.compile(r"\A\s*```(?:json)?\s*\n(.*)\n\s*```\s*\Z", re.S)


def _validated(text: str | None, model: type[_Strict]) -> Any:
    if not text or not text.strip():
        raise AnswerRejected("empty answer")
    fenced = _FENCE.match(text)  # local models wrap JSON in a fence despite being asked not to
    try:
        data = json.loads(fenced.group(1) if fenced else text)
    except ValueError:
        raise AnswerRejected("answer is not JSON") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = sorted({f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['type']}"
                           for e in exc.errors()})
        raise AnswerRejected("schema: " + "; ".join(problems[:4])) from None


def read_score(text: str | None, instruction: str) -> Score:
    """The Score in a model's answer, or AnswerRejected."""
    answer: _ScoreAnswer = _validated(text, _ScoreAnswer)
    reasons = [_short(reason) for reason in answer.reasons if reason.strip()][:MAX_REASONS]
    if any(echoes(reason, instruction) for reason in reasons):
        raise AnswerRejected("answer repeats the instructions", "echo")
    return Score(score=answer.score,
                 sentiment=Sentiment(answer.sentiment.label, answer.sentiment.value),
                 intent=answer.intent, reasons=reasons)


def read_suggestion(text: str | None, instruction: str) -> Suggestion:
    """The Suggestion in a model's answer, as plain text, or AnswerRejected."""
    answer: _SuggestionAnswer = _validated(text, _SuggestionAnswer)
    reply = plain_text(answer.text)
    if echoes(reply, instruction):
        raise AnswerRejected("answer repeats the instructions", "echo")
    if not reply:
        raise AnswerRejected("schema: text: empty")
    if len(reply) > MAX_REPLY_CHARS:
        raise AnswerRejected("schema: text: too_long")
    return Suggestion(text=reply, intent_topic=answer.topic)


def _short(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) <= MAX_REASON_CHARS:
        return reason
    cut = reason[:MAX_REASON_CHARS - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;.") + "…"


_CODE_FENCE = re.compile(r"^[ \t]*```[\w-]*[ \t]*(?:\n|\Z)", re.M)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1", re.S)
_INLINE_CODE = re.compile(r"`([^`]*)`")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def plain_text(text: str) -> str:
    """Markdown a chat app would show as symbols, removed: fences, headings, bold, links."""
    text = _CODE_FENCE.sub("", text)
    text = _HEADING.sub("", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _INLINE_CODE.sub(r"\1", text)
    text = _LINK.sub(r"\1 (\2)", text)
    text = text.replace("**", "").replace("```", "")
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_WORD = re.compile(r"\w+")
_ECHO_WORDS = 8  # eight words in a row of our instructions are no coincidence


def echoes(answer: str, instruction: str) -> bool:
    """Whether the answer repeats a run of our instructions (a prompt leak)."""
    said = _WORD.findall(answer.lower())
    if len(said) < _ECHO_WORDS:
        return False
    ours = _WORD.findall(instruction.lower())
    runs = {tuple(ours[i:i + _ECHO_WORDS]) for i in range(len(ours) - _ECHO_WORDS + 1)}
    return any(tuple(said[i:i + _ECHO_WORDS]) in runs
               for i in range(len(said) - _ECHO_WORDS + 1))
