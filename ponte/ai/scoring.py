"""What every scoring provider returns, so the lead screens never know which one ran."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol


class ChatLine(NamedTuple):
    """One line of a chat as a provider sees it: who wrote it, what, and when if known."""

    from_customer: bool
    text: str
    at: datetime | None = None


@dataclass(frozen=True)
class Sentiment:
    label: str  # "negative", "neutral" or "positive"
    value: float  # -1 (angry) .. 1 (delighted)


@dataclass(frozen=True)
class Score:
    score: int  # 0..100, how hot the lead is
    sentiment: Sentiment
    intent: float  # 0..1, how likely the customer means to buy
    reasons: list[str] = field(default_factory=list)  # short pt-BR phrases for the seller
    topics: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Suggestion:
    text: str  # plain text the seller may send as is
    intent_topic: str  # the topic the reply answers


class Provider(Protocol):
    name: str

    def score(self, messages: Sequence[ChatLine]) -> Score: ...

    def suggest(self, messages: Sequence[ChatLine], customer_name: str | None,
                style_note: str = "") -> Suggestion: ...
