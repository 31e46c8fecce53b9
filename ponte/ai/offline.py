"""The built-in provider: no network, same answer every time.

A message is read twice: by the rules in `cues` (topics, refusals, irony, sentiment words)
and by two small learned models in `model` (intent, sentiment) whose features are those rule
findings plus the message's words. A conversation is scored from its customer messages, the
recent ones weighing most, with the shop's messages as context (a shop message the customer
never answered is silence). See docs/ai.md.
"""

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ponte.ai.cues import Cues, main_topic, read_cues
from ponte.ai.model import Softmax
from ponte.ai.normalize import normalize
from ponte.ai.scoring import ChatLine, Score, Sentiment, Suggestion

RECENCY = 0.55  # each later customer message divides an earlier one's say by about two
# How far a sale has gone, by what the customer asked or did.
STAGES = {"greeting": 0, "thanks": 0, "colour": 1, "size": 1, "stock": 1, "price": 2,
          "delivery": 3, "payment": 3, "order": 4, "proof_of_payment": 5}
SILENCE_HOURS = 24.0
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")  # "siiiim", "bom diaaa": said with feeling
_UNKNOWN_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")

INTENT_PRIOR = {"1": {
    "bias": -1.2, "topic:order": 3.0, "topic:proof_of_payment": 3.0, "topic:price": 2.2,
    "topic:payment": 2.2, "topic:delivery": 1.8, "topic:stock": 1.8, "topic:size": 1.6,
    "topic:colour": 1.4, "topic:complaint": -1.5, "topic:exchange": -0.5,
    "topic:undecided": -2.5, "topic:thanks": -1.0, "topic:greeting": -0.3, "refusal": -4.0,
    "still_buys": 2.0, "question": 0.4, "irony": -1.0, "spam": -3.0, "price_pain": -2.0,
    "not_a_sale": -2.5}}
SENTIMENT_PRIOR = {
    "positive": {"bias": -0.8, "positive": 1.3, "negative": -0.8, "irony": -2.0,
                 "topic:complaint": -1.0, "exclaim2": 0.4, "elongated": 0.4},
    "negative": {"bias": -0.9, "negative": 1.3, "positive": -0.6, "irony": 2.5,
                 "topic:complaint": 1.4, "refusal": 0.5, "price_pain": 1.5, "question2": 0.6,
                 "caps": 0.5},
    "neutral": {"bias": 0.6},
}
HOT_PRIOR = {"1": {
    "bias": -2.5, "intent": 2.5, "last_intent": 1.5, "stage:5": 3.0, "stage:4": 2.2,
    "stage:3": 1.2, "stage:2": 0.6, "last:undecided": -2.0, "last:refusal": -3.5,
    "last:complaint": -1.0, "silence": -0.8, "silence_after_doubt": -1.5, "sentiment": 0.6,
    "last:proof_of_payment": 1.5, "last:order": 1.0, "shop:confirmed": 1.0,
    "shop:payment_details": 0.8, "shop:chased": -1.0}}
# The shop's own words after the customer's: it took an order, or it gave a way to pay.
_SHOP_CONFIRMED = re.compile(
    r"\b(?:separad|reservad|anotad|agendad|recebid|confirmad|combinad|encomenda anotad|"
    r"pedido (?:confirmado|feito|separado)|sai (?:hoje|amanha)|chega (?:hoje|amanha)|"
    r"fica pronto|enviad)\w*")
_SHOP_PAYMENT = re.compile(r"\b(?:chave|pix|link|cnpj|boleto)\b")


@dataclass(frozen=True)
class Reading:
    """One customer message as the provider understood it."""

    cues: Cues
    intent: float
    sentiment: dict[str, float]

    @property
    def value(self) -> float:
        return self.sentiment["positive"] - self.sentiment["negative"]


def message_features(text: str) -> tuple[Cues, dict[str, float]]:
    plain = normalize(text)
    cues = read_cues(text, plain)
    features = {"bias": 1.0, "positive": float(min(cues.positive, 3)),
                "negative": float(min(cues.negative, 3))}
    features.update({f"topic:{topic}": 1.0 for topic in cues.topics})
    for flag in ("refusal", "still_buys", "irony", "question", "laugh", "spam", "price_pain",
                 "not_a_sale"):
        if getattr(cues, flag):
            features[flag] = 1.0
    shown = {"exclaim": "!" in text, "exclaim2": "!!" in text, "question2": "??" in text,
             "elongated": bool(_ELONGATED.search(text.lower())),
             "caps": sum(c.isupper() for c in text) > max(8, len(text) // 2),
             "emoji": bool(_UNKNOWN_EMOJI.search(text))}
    features.update({name: 1.0 for name, found in shown.items() if found})
    if shown["exclaim"] or shown["elongated"]:
        # Said with feeling: an order or a thanks with "!" reads warmer than a plain one.
        features.update({f"exclaim:{topic}": 1.0 for topic in cues.topics})
    tokens = plain.split()
    # Five-letter stems, so "decepcionante" learns from "decepcionada".
    features.update({f"s:{word[:5]}": 1.0 for word in tokens if len(word) > 5})
    features.update({f"w:{word}": 1.0 for word in tokens})
    features.update({f"b:{a}_{b}": 1.0 for a, b in zip(tokens, tokens[1:], strict=False)})
    return cues, features


def conversation_features(readings: Sequence[Reading], lines: Sequence[ChatLine]
                          ) -> dict[str, float]:
    """The hot-lead model's inputs: stage reached, recent intent and mood, how it ended."""
    features = {"bias": 1.0}
    if not readings:
        return features
    weights = _recency(len(readings))
    total = sum(weights)
    features["intent"] = sum(w * r.intent for w, r in zip(weights, readings, strict=True)) / total
    features["sentiment"] = sum(w * r.value for w, r in zip(weights, readings, strict=True)) / total
    last = readings[-1]
    features["last_intent"] = last.intent
    stage = max(max((STAGES.get(topic, 0) for topic in r.cues.topics), default=0)
                for r in readings)
    features[f"stage:{stage}"] = 1.0
    for topic in ("undecided", "complaint", "proof_of_payment", "order"):
        if topic in last.cues.topics:
            features[f"last:{topic}"] = 1.0
    if last.cues.refusal and not last.cues.still_buys:
        features["last:refusal"] = 1.0
    features.update(_shop_side(lines))
    if _silent_since_shop(lines):
        features["silence"] = 1.0
        if "undecided" in last.cues.topics or last.cues.refusal:
            features["silence_after_doubt"] = 1.0
    return features


def _shop_side(lines: Sequence[ChatLine]) -> dict[str, float]:
    """What the shop said after the customer's last message: a confirmation ("Separado!"),
    payment details, or follow-ups that got no answer."""
    last_customer = max((i for i, line in enumerate(lines) if line.from_customer), default=-1)
    recent = [normalize(line.text) for line in lines[max(last_customer - 1, 0):]
              if not line.from_customer]
    after = [line for line in lines[last_customer + 1:] if not line.from_customer]
    found = {}
    if any(_SHOP_CONFIRMED.search(text) for text in recent):
        found["shop:confirmed"] = 1.0
    if any(_SHOP_PAYMENT.search(text) for text in recent):
        found["shop:payment_details"] = 1.0
    if len(after) >= 2 and _silent_since_shop(lines):
        found["shop:chased"] = 1.0
    return found


def _silent_since_shop(lines: Sequence[ChatLine]) -> bool:
    """The shop wrote after the customer's last message and got no answer (a day, if the
    times are known)."""
    last_customer = max((i for i, line in enumerate(lines) if line.from_customer), default=-1)
    if last_customer < 0 or last_customer == len(lines) - 1:
        return False
    said, followed = lines[last_customer].at, lines[-1].at
    if said is None or followed is None:
        return True
    return (followed - said).total_seconds() >= SILENCE_HOURS * 3600


class OfflineProvider:
    """Rules plus small learned corrections, trained once per process on the shipped
    `train` split (`ponte.ai.training`), or the rules alone when given no data."""

    name = "offline"

    def __init__(self, intent: Softmax | None = None, sentiment: Softmax | None = None,
                 hot: Softmax | None = None) -> None:
        self.intent = intent or Softmax(("0", "1"), INTENT_PRIOR)
        self.sentiment = sentiment or Softmax(("negative", "neutral", "positive"),
                                              SENTIMENT_PRIOR)
        self.hot = hot or Softmax(("0", "1"), HOT_PRIOR)

    def read(self, text: str) -> Reading:
        cues, features = message_features(text)
        return Reading(cues, self.intent.probabilities(features)["1"],
                       self.sentiment.probabilities(features))

    def score(self, messages: Sequence[ChatLine]) -> Score:
        lines = [ChatLine(*line) for line in messages]
        readings = [self.read(line.text) for line in lines if line.from_customer]
        features = conversation_features(readings, lines)
        hot = self.hot.probabilities(features)["1"]
        return Score(score=max(0, min(100, round(100 * hot))),
                     sentiment=_mood(readings),
                     intent=round(features.get("intent", 0.0), 4),
                     reasons=reasons_for(readings, silent=bool(features.get("silence"))),
                     topics=_topics(readings))

    def suggest(self, messages: Sequence[ChatLine], customer_name: str | None,
                style_note: str = "") -> Suggestion:
        """A template for the topic of the customer's latest messages. `style_note` is for
        providers that write freely; templates keep the shop's plain tone."""
        from ponte.ai.replies import reply_for

        readings = [self.read(line.text) for line in (ChatLine(*m) for m in messages)
                    if line.from_customer]
        topic = next((reply_topic(r.cues) for r in reversed(readings)
                      if reply_topic(r.cues) != "other"), "other")
        if readings and readings[-1].cues.spam:
            topic = "other"
        elif readings and readings[-1].cues.refusal:
            topic = "undecided"
        return Suggestion(reply_for(topic, customer_name), topic)


def reply_topic(cues: Cues) -> str:
    """What a reply should answer: the main topic, both halves of "how much, and Pix?", and
    a request to set the item aside (which the scores count as a stage, not a topic)."""
    topic = main_topic(cues)
    if topic in ("payment", "price") and {"price", "payment"} <= cues.topics:
        return "price_payment"
    if topic in ("stock", "size", "colour", "other") and "order" in cues.topics:
        return "order"  # "separa o M pra mim": the size is chosen, the sale is asked for
    return topic


def _recency(count: int) -> list[float]:
    return [RECENCY ** (count - 1 - index) for index in range(count)]


def _mood(readings: Sequence[Reading]) -> Sentiment:
    """The customer's mood lately: sentiment probabilities averaged, recent ones weighing most."""
    if not readings:
        return Sentiment("neutral", 0.0)
    weights = _recency(len(readings))
    mixed = {label: sum(w * r.sentiment[label] for w, r in zip(weights, readings, strict=True))
             / sum(weights) for label in readings[0].sentiment}
    return Sentiment(max(mixed, key=mixed.__getitem__),
                     round(mixed["positive"] - mixed["negative"], 3))


def _topics(readings: Iterable[Reading]) -> list[str]:
    seen: list[str] = []
    for reading in readings:
        topic = main_topic(reading.cues)
        if topic not in seen:
            seen.append(topic)
    return seen


REASONS = {
    "stock": "perguntou se tem no estoque", "size": "perguntou o tamanho",
    "colour": "perguntou a cor", "delivery": "perguntou sobre entrega",
    "order": "pediu para separar ou fechar", "proof_of_payment": "enviou comprovante",
    "exchange": "quer trocar", "complaint": "fez uma reclamação",
    "undecided": "disse que vai pensar", "thanks": "agradeceu",
}


def reasons_for(readings: Sequence[Reading], *, silent: bool) -> list[str]:
    """Short pt-BR phrases, in the order the conversation raised them."""
    found: list[str] = []

    def add(reason: str) -> None:
        if reason not in found:
            found.append(reason)

    for reading in readings:
        topics, cues = reading.cues.topics, reading.cues
        if cues.price_pain:
            add("reclamou do preço")
        if "price" in topics and "payment" in topics:
            add("pediu preço e forma de pagamento")
        elif "price" in topics:
            add("pediu preço")
        elif "payment" in topics:
            add("perguntou a forma de pagamento")
        for topic in ("stock", "size", "colour", "delivery", "order", "proof_of_payment",
                      "exchange", "undecided", "thanks"):
            if topic in topics:
                add(REASONS[topic])
        if "complaint" in topics or cues.irony:
            add(REASONS["complaint"])
        if cues.refusal and not cues.still_buys:
            add("desistiu da compra")
        elif cues.still_buys and "price" in topics:
            add("quer levar mesmo assim")
    if readings and silent:
        add("não respondeu à loja")
    return found


@functools.cache
def trained() -> OfflineProvider:
    """The provider with its weights learned from the shipped `train` split."""
    from ponte.ai.training import train_provider

    return train_provider()
