"""Labelled WhatsApp messages and conversations that lead scoring is trained and judged on.

The rows live in the JSON Lines files beside this module (see README.md for how they were
written and labelled); these loaders read them into frozen dataclasses so no caller can
change a label by accident.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

HERE = Path(__file__).resolve().parent
SPLITS = ("train", "heldout")

Sentiment = Literal["negative", "neutral", "positive"]


@dataclass(frozen=True)
class LabelledMessage:
    """One customer message with the tone and purchase intent a person read in it."""

    id: str
    text: str
    sentiment: Sentiment
    intent: int
    topic: str
    split: str


@dataclass(frozen=True)
class Turn:
    """One message of a conversation: who wrote it ("customer" or "shop") and what."""

    sender: str
    text: str


@dataclass(frozen=True)
class LabelledConversation:
    """A short chat and whether the shop should call this lead first (`hot`)."""

    id: str
    turns: tuple[Turn, ...]
    hot: int
    split: str
    note: str


def _rows(name: str, split: str | None) -> list[dict]:
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} or None, not {split!r}")
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [row for row in rows if split is None or row["split"] == split]


def load_messages(split: str | None = None) -> list[LabelledMessage]:
    """Every labelled message in file order, or only those of `split` ("train"/"heldout")."""
    return [LabelledMessage(**row) for row in _rows("messages.jsonl", split)]


def load_conversations(split: str | None = None) -> list[LabelledConversation]:
    """Every labelled conversation in file order, or only those of `split`."""
    return [
        LabelledConversation(
            id=row["id"],
            turns=tuple(Turn(sender=m["from"], text=m["text"]) for m in row["messages"]),
            hot=row["hot"],
            split=row["split"],
            note=row["note"],
        )
        for row in _rows("conversations.jsonl", split)
    ]
