"""The evaluation's figures mean what the usual definitions say."""

import itertools
import json

import pytest

from ponte.ai.evaluate import accuracy, evaluate, roc_auc
from ponte.ai.labelled import ConversationCase, MessageCase, NotLabelledData, read_file
from ponte.ai.offline import OfflineProvider
from ponte.ai.scoring import ChatLine, Score, Sentiment

# A dozen messages in the shipped files' shape, written for these tests.
MESSAGES = [
    ("Oi, quanto custa a bolsa marrom?", "neutral", 1, "train"),
    ("vc aceita pix? quero levar duas", "positive", 1, "train"),
    ("Amei o vestido, já separa pra mim 😍", "positive", 1, "train"),
    ("Obrigada pela atenção!", "positive", 0, "train"),
    ("O pedido chegou rasgado, que vergonha 😡", "negative", 0, "train"),
    ("Bom dia", "neutral", 0, "train"),
    ("Entregam em Contagem? qual o frete", "neutral", 1, "heldout"),
    ("Já fiz o pix, segue o comprovante", "positive", 1, "heldout"),
    ("Não quero mais, desisti", "negative", 0, "heldout"),
    ("Três dias sem resposta, parabéns pelo atendimento 🙃", "negative", 0, "heldout"),
    ("Tem o tênis branco no 38?", "neutral", 1, "heldout"),
    ("vou pensar e depois te falo", "neutral", 0, "heldout"),
]
CONVERSATIONS = [
    ([("customer", "quanto é o conjunto?"), ("shop", "R$ 89"), ("customer", "manda a chave pix")],
     1, "train"),
    ([("customer", "oi, qto custa?"), ("shop", "R$ 60"), ("customer", "vou pensar"),
      ("shop", "e aí, decidiu?")], 0, "train"),
    ([("customer", "entregam no centro?"), ("shop", "sim"),
      ("customer", "paguei, ta aqui o comprovante")], 1, "heldout"),
    ([("customer", "obrigada, não precisa mais")], 0, "heldout"),
]


def message_rows() -> list[dict]:
    return [{"id": f"m{n}", "text": text, "sentiment": sentiment, "intent": intent,
             "topic": "other", "split": split}
            for n, (text, sentiment, intent, split) in enumerate(MESSAGES)]


def conversation_rows() -> list[dict]:
    return [{"id": f"c{n}", "messages": [{"from": who, "text": text} for who, text in turns],
             "hot": hot, "split": split, "note": ""}
            for n, (turns, hot, split) in enumerate(CONVERSATIONS)]


def write_jsonl(path, rows) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def pairwise_auc(labels, scores) -> float:
    """The definition itself: every positive-negative pair, ties half."""
    pairs = [(p, n) for (p, lp), (n, ln) in itertools.product(zip(scores, labels, strict=True),
                                                               repeat=2)
             if lp and not ln]
    return sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)


def test_roc_auc_counts_ties_as_half():
    assert roc_auc([1, 0], [0.4, 0.4]) == 0.5
    labels, scores = [1, 1, 0, 0, 1, 0], [0.9, 0.5, 0.5, 0.1, 0.5, 0.7]
    assert roc_auc(labels, scores) == pytest.approx(pairwise_auc(labels, scores))
    assert roc_auc(labels, scores) < 1.0


def test_roc_auc_ranks_perfectly_and_backwards():
    assert roc_auc([0, 0, 1, 1], [1, 2, 3, 4]) == 1.0
    assert roc_auc([1, 1, 0, 0], [1, 2, 3, 4]) == 0.0


def test_roc_auc_needs_both_classes():
    assert roc_auc([1, 1], [0.2, 0.9]) is None


def test_accuracy_is_the_share_of_matches():
    assert accuracy(["a", "b", "c", "a"], ["a", "b", "a", "b"]) == 0.5
    assert accuracy([], []) is None


def test_files_are_told_apart_by_content(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", message_rows())
    write_jsonl(tmp_path / "b.jsonl", conversation_rows())
    assert [len(x) for x in read_file(tmp_path / "a.jsonl")] == [len(MESSAGES), 0]
    messages, conversations = read_file(tmp_path / "b.jsonl")
    assert not messages and len(conversations) == len(CONVERSATIONS)
    assert conversations[1].lines[1] == ChatLine(False, "R$ 60")


def test_a_file_of_something_else_is_refused(tmp_path):
    (tmp_path / "x.jsonl").write_text('{"nome": "Ana"}\n')
    with pytest.raises(NotLabelledData, match="x.jsonl:1"):
        read_file(tmp_path / "x.jsonl")


def test_evaluate_measures_each_split_from_the_provider_scores(tmp_path):
    write_jsonl(tmp_path / "m.jsonl", message_rows())
    write_jsonl(tmp_path / "c.jsonl", conversation_rows())
    messages, _ = read_file(tmp_path / "m.jsonl")
    _, conversations = read_file(tmp_path / "c.jsonl")
    provider = OfflineProvider()
    results = evaluate(provider, messages, conversations)
    held_out = [m for m in messages if m.split == "heldout"]
    scored = [provider.score([ChatLine(True, m.text)]) for m in held_out]
    assert results["heldout"]["intent_auc"] == roc_auc([m.intent for m in held_out],
                                                       [s.intent for s in scored])
    assert results["heldout"]["sentiment_accuracy"] == accuracy(
        [m.sentiment for m in held_out], [s.sentiment.label for s in scored])
    assert results["heldout"]["messages"] == 6 and results["all"]["conversations"] == 4
    assert results["train"]["hot_auc"] == roc_auc(
        [c.hot for c in conversations if c.split == "train"],
        [provider.score(c.lines).score for c in conversations if c.split == "train"])


def test_a_provider_that_knows_the_answers_scores_perfectly():
    class Oracle:
        name = "oracle"

        def score(self, lines):
            text = " ".join(line.text for line in lines)
            case = next((m for m in messages if m.text == text), None)
            hot = next((c.hot for c in conversations if c.lines == tuple(lines)), 0)
            return Score(100 * hot, Sentiment(case.sentiment if case else "neutral", 0.0),
                         float(case.intent) if case else 0.0)

    messages = [MessageCase(text, s, i, split) for text, s, i, split in MESSAGES]
    conversations = [ConversationCase(tuple(ChatLine(w == "customer", t) for w, t in turns),
                                      hot, split) for turns, hot, split in CONVERSATIONS]
    results = evaluate(Oracle(), messages, conversations)
    assert results["all"] == {"intent_auc": 1.0, "sentiment_accuracy": 1.0, "hot_auc": 1.0,
                              "messages": 12, "conversations": 4}
