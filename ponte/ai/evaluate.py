"""How well a provider ranks and labels the labelled data: plain-Python metrics."""

from collections.abc import Sequence

from ponte.ai.labelled import ConversationCase, MessageCase
from ponte.ai.scoring import ChatLine, Provider

SPLITS = ("train", "heldout", "all")
AIMS = {"intent_auc": 0.92, "sentiment_accuracy": 0.80, "hot_auc": 0.90}


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    """The chance a random positive outscores a random negative, ties counting half
    (Mann-Whitney with mid-ranks). None when one class is missing."""
    positives = sum(1 for label in labels if label)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return None
    order = sorted(range(len(scores)), key=lambda index: scores[index])
    ranks = [0.0] * len(scores)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and scores[order[end + 1]] == scores[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    positive_ranks = sum(rank for rank, label in zip(ranks, labels, strict=True) if label)
    return (positive_ranks - positives * (positives + 1) / 2) / (positives * negatives)


def accuracy(expected: Sequence[str], found: Sequence[str]) -> float | None:
    if not expected:
        return None
    return sum(1 for a, b in zip(expected, found, strict=True) if a == b) / len(expected)


def _in_split(cases: Sequence, split: str) -> list:
    return list(cases) if split == "all" else [case for case in cases if case.split == split]


def evaluate(provider: Provider, messages: Sequence[MessageCase],
             conversations: Sequence[ConversationCase]) -> dict[str, dict[str, float | None]]:
    """{split: {"intent_auc", "sentiment_accuracy", "hot_auc", counts}} for train, heldout, all.
    Each message is scored alone, as a one-line conversation."""
    message_scores = {id(case): provider.score([ChatLine(True, case.text)]) for case in messages}
    hot_scores = {id(case): provider.score(case.lines).score for case in conversations}
    results = {}
    for split in SPLITS:
        chosen = _in_split(messages, split)
        talks = _in_split(conversations, split)
        results[split] = {
            "intent_auc": roc_auc([case.intent for case in chosen],
                                  [message_scores[id(case)].intent for case in chosen]),
            "sentiment_accuracy": accuracy(
                [case.sentiment for case in chosen],
                [message_scores[id(case)].sentiment.label for case in chosen]),
            "hot_auc": roc_auc([case.hot for case in talks],
                               [hot_scores[id(case)] for case in talks]),
            "messages": len(chosen),
            "conversations": len(talks),
        }
    return results
