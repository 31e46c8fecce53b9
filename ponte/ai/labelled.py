"""Labelled messages and conversations read from JSON-lines files, either kind, by content.

The shipped files sit in `ponte/ai/evaluation/` (read by its loaders); `ponte ai eval FILE`
reads others in the same shape. A line with "messages" is a conversation, a line with "text"
a message.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from ponte.ai.scoring import ChatLine


@dataclass(frozen=True)
class MessageCase:
    text: str
    sentiment: str
    intent: int
    split: str
    topic: str = ""


@dataclass(frozen=True)
class ConversationCase:
    lines: tuple[ChatLine, ...]
    hot: int
    split: str


class NotLabelledData(ValueError):
    pass


def read_file(path: Path) -> tuple[list[MessageCase], list[ConversationCase]]:
    messages: list[MessageCase] = []
    conversations: list[ConversationCase] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if "messages" in row:
                conversations.append(conversation_case(row))
            else:
                messages.append(MessageCase(row["text"], row["sentiment"], int(row["intent"]),
                                            row.get("split", ""), row.get("topic", "")))
        except (ValueError, KeyError, TypeError) as exc:
            raise NotLabelledData(f"{path}:{number}: not a labelled message or "
                                  f"conversation ({exc})") from exc
    return messages, conversations


def conversation_case(row: dict) -> ConversationCase:
    lines = tuple(ChatLine(turn["from"] == "customer", turn["text"]) for turn in row["messages"])
    return ConversationCase(lines, int(row["hot"]), row.get("split", ""))


def read_files(paths: list[Path]) -> tuple[list[MessageCase], list[ConversationCase]]:
    messages: list[MessageCase] = []
    conversations: list[ConversationCase] = []
    for path in paths:
        more_messages, more_conversations = read_file(path)
        messages += more_messages
        conversations += more_conversations
    return messages, conversations


def shipped() -> tuple[list[MessageCase], list[ConversationCase]]:
    """The labelled data that comes with Ponte, read by its own loaders."""
    from ponte.ai.evaluation import load_conversations, load_messages

    messages = [MessageCase(m.text, m.sentiment, m.intent, m.split, m.topic)
                for m in load_messages()]
    conversations = [ConversationCase(tuple(ChatLine(t.sender == "customer", t.text)
                                            for t in c.turns), c.hot, c.split)
                     for c in load_conversations()]
    return messages, conversations
