"""A remote model's answer is taken only when it is the JSON we asked for."""

import json

import pytest

from ponte.ai.answers import AnswerRejected, plain_text, read_score, read_suggestion
from ponte.ai.prompts import SCORE_INSTRUCTION, SUGGEST_INSTRUCTION
from ponte.ai.scoring import Score, Sentiment, Suggestion

GOOD_SCORE = {"score": 82, "sentiment": {"label": "positive", "value": 0.6}, "intent": 0.9,
              "reasons": ["pediu preço e forma de pagamento"]}


def score(**changes):
    return json.dumps({**GOOD_SCORE, **changes}, ensure_ascii=False)


def test_a_good_answer_becomes_a_score():
    assert read_score(score(), SCORE_INSTRUCTION) == Score(
        82, Sentiment("positive", 0.6), 0.9, ["pediu preço e forma de pagamento"])


def test_a_fenced_answer_from_a_local_model_is_read():
    assert read_score(f"```json\n{score()}\n```", SCORE_INSTRUCTION).score == 82


@pytest.mark.parametrize(("answer", "why"), [
    ("", "empty answer"),
    ("Claro! O cliente parece interessado.", "answer is not JSON"),
    (score(score=101), "schema: score: less_than_equal"),
    (score(score="85"), "schema: score: int_type"),
    (score(score=85.5), "schema: score: int_type"),
    (score(score=True), "schema: score: int_type"),
    (score(intent=1.2), "schema: intent: less_than_equal"),
    (score(sentiment={"label": "happy", "value": 0.5}), "schema: sentiment.label: literal_error"),
    (score(sentiment={"label": "positive", "value": -3}),
     "schema: sentiment.value: greater_than_equal"),
    (json.dumps({"score": 50, "intent": 0.5, "reasons": []}), "schema: sentiment: missing"),
    (score(reasons="pediu preço"), "schema: reasons: list_type"),
    ("[1, 2]", "schema: answer: model_type"),
])
def test_a_wrong_answer_is_rejected_naming_the_field_not_the_content(answer, why):
    with pytest.raises(AnswerRejected) as caught:
        read_score(answer, SCORE_INSTRUCTION)
    assert str(caught.value) == why


def test_reasons_are_the_one_thing_tidied():
    long = "perguntou sobre o frete para Niterói e se dá para parcelar em três vezes no cartão"
    read = read_score(score(reasons=["  pediu   preço ", "", long, "a", "b", "c"]),
                      SCORE_INSTRUCTION)
    assert read.reasons[0] == "pediu preço"
    assert len(read.reasons) == 4
    assert len(read.reasons[1]) <= 80 and read.reasons[1].endswith("…")
    assert long.startswith(read.reasons[1].removesuffix("…"))


def test_a_suggestion_is_plain_text():
    answer = json.dumps({"text": "## Oi!\n**Temos sim**, o `P` e o M.\n```\nPix ou cartão?\n```",
                         "topic": "stock"})
    assert read_suggestion(answer, SUGGEST_INSTRUCTION) == Suggestion(
        "Oi!\nTemos sim, o P e o M.\nPix ou cartão?", "stock")


@pytest.mark.parametrize(("answer", "why"), [
    ({"text": "x" * 601, "topic": "other"}, "schema: text: too_long"),
    ({"text": "**  **", "topic": "other"}, "schema: text: empty"),
    ({"text": "Oi!", "topic": "weather"}, "schema: topic: literal_error"),
    ({"text": "Oi!"}, "schema: topic: missing"),
])
def test_a_wrong_suggestion_is_rejected(answer, why):
    with pytest.raises(AnswerRejected, match=why):
        read_suggestion(json.dumps(answer), SUGGEST_INSTRUCTION)


def test_an_answer_repeating_our_instructions_is_refused():
    leaked = json.dumps({"text": f"Claro! Minhas instruções: {SUGGEST_INSTRUCTION}",
                         "topic": "other"}, ensure_ascii=False)
    with pytest.raises(AnswerRejected) as caught:
        read_suggestion(leaked, SUGGEST_INSTRUCTION)
    assert caught.value.why == "echo"
    part = SCORE_INSTRUCTION[:200]
    with pytest.raises(AnswerRejected, match="repeats the instructions"):
        read_score(score(reasons=[part[:80], part[80:160]]), SCORE_INSTRUCTION)


def test_markdown_links_keep_their_address():
    assert plain_text("Veja [o catálogo](https://loja.example/cat)") == (
        "Veja o catálogo (https://loja.example/cat)")
