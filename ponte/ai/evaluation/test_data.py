"""The labelled data keeps the shape the scorer's training and evaluation rely on."""

import dataclasses
import json
import re
import unicodedata
from collections import Counter

import pytest

from ponte.ai.evaluation import (
    HERE,
    SPLITS,
    load_conversations,
    load_messages,
)

SENTIMENTS = {"negative", "neutral", "positive"}
TOPICS = {"price", "stock", "size", "colour", "delivery", "payment", "proof_of_payment",
          "greeting", "thanks", "complaint", "exchange", "undecided", "other"}


def _raw(name: str) -> list[dict]:
    # Strict decoding: a byte that is not UTF-8 fails here rather than turning into U+FFFD.
    text = (HERE / name).read_bytes().decode("utf-8", errors="strict")
    lines = text.split("\n")
    assert lines[-1] == "", f"{name} must end with a newline"
    return [json.loads(line) for line in lines[:-1]]


def _plain(text: str) -> str:
    """Lowercased, accents and punctuation (emojis too) gone, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]|_", " ", bare).split())


def _share(rows: list, keep) -> float:
    return sum(1 for row in rows if keep(row)) / len(rows)


def _is_clean_text(text: object) -> bool:
    return (isinstance(text, str) and text.strip() == text and text != ""
            and not re.search("[\x00-\x1f\ud800-\udfff]", text))


def test_every_message_row_has_exactly_the_labelled_fields_with_allowed_values():
    for row in _raw("messages.jsonl"):
        assert set(row) == {"id", "text", "sentiment", "intent", "topic", "split"}, row
        assert re.fullmatch(r"m\d{4}", row["id"]), row
        assert _is_clean_text(row["text"]), row
        assert row["sentiment"] in SENTIMENTS, row
        assert type(row["intent"]) is int and row["intent"] in (0, 1), row
        assert row["topic"] in TOPICS, row
        assert row["split"] in SPLITS, row


def test_every_conversation_row_has_both_sides_and_allowed_labels():
    for row in _raw("conversations.jsonl"):
        assert set(row) == {"id", "messages", "hot", "split", "note"}, row["id"]
        assert re.fullmatch(r"c\d{3}", row["id"]), row
        assert 3 <= len(row["messages"]) <= 10, row["id"]
        for message in row["messages"]:
            assert set(message) == {"from", "text"}, row["id"]
            assert _is_clean_text(message["text"]), row["id"]
        assert {m["from"] for m in row["messages"]} == {"customer", "shop"}, row["id"]
        assert type(row["hot"]) is int and row["hot"] in (0, 1), row["id"]
        assert row["split"] in SPLITS, row["id"]
        assert _is_clean_text(row["note"]), row["id"]


@pytest.mark.parametrize("name", ["messages.jsonl", "conversations.jsonl"])
def test_ids_are_unique(name):
    ids = [row["id"] for row in _raw(name)]
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_there_are_enough_rows_to_learn_from_and_to_judge():
    assert len(load_messages()) >= 440
    assert len(load_conversations()) >= 70


def test_messages_are_balanced_between_intent_and_no_intent():
    messages = load_messages()
    assert 0.45 <= _share(messages, lambda m: m.intent == 1) <= 0.55
    heldout = load_messages("heldout")
    assert 0.40 <= _share(heldout, lambda m: m.intent == 1) <= 0.60


@pytest.mark.parametrize("sentiment", sorted(SENTIMENTS))
def test_each_sentiment_is_roughly_a_third_of_the_messages(sentiment):
    assert 0.25 <= _share(load_messages(), lambda m: m.sentiment == sentiment) <= 0.45


def test_every_topic_can_be_trained_on_and_judged():
    for split in SPLITS:
        seen = Counter(m.topic for m in load_messages(split))
        assert {topic for topic in TOPICS if seen[topic] < 5} == set(), split


@pytest.mark.parametrize("split", SPLITS)
def test_hard_cases_are_in_both_splits(split):
    """A buyer who complains and a pleasant customer who buys nothing, so tone is not intent."""
    messages = load_messages(split)
    assert sum(m.sentiment == "negative" and m.intent == 1 for m in messages) >= 8
    assert sum(m.sentiment == "positive" and m.intent == 0 for m in messages) >= 8


def test_about_half_the_conversations_are_hot():
    assert 0.40 <= _share(load_conversations(), lambda c: c.hot == 1) <= 0.50


@pytest.mark.parametrize("load", [load_messages, load_conversations])
def test_about_thirty_percent_is_held_out(load):
    assert 0.25 <= len(load("heldout")) / len(load()) <= 0.35


@pytest.mark.parametrize("load", [load_messages, load_conversations])
def test_the_splits_part_the_rows(load):
    everything = load()
    train, heldout = load("train"), load("heldout")
    assert {row.split for row in train} == {"train"}
    assert {row.split for row in heldout} == {"heldout"}
    assert sorted(r.id for r in train + heldout) == sorted(r.id for r in everything)


def test_no_held_out_message_repeats_a_training_one():
    seen = {_plain(m.text) for m in load_messages("train")}
    assert [m.id for m in load_messages("heldout") if _plain(m.text) in seen] == []


def test_no_held_out_conversation_repeats_a_training_one():
    def said(conversation) -> str:
        return _plain(" ".join(t.text for t in conversation.turns if t.sender == "customer"))

    seen = {said(c) for c in load_conversations("train")}
    assert [c.id for c in load_conversations("heldout") if said(c) in seen] == []


def test_plain_text_ignores_case_accents_punctuation_and_emojis():
    assert _plain("Tá CARO, hein?! 🙃") == _plain("ta caro hein")
    assert _plain("tá caro") != _plain("tá barato")


def test_an_unknown_split_is_refused():
    with pytest.raises(ValueError):
        load_messages("test")


def test_loaded_labels_cannot_be_changed():
    message = load_messages()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.intent = 1 - message.intent
