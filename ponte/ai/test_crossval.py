"""Cross-validation tunes on the train split only: a held-out row is never scored nor shown."""

from ponte.ai.crossval import cross_validate, cross_validation_report
from ponte.ai.labelled import ConversationCase, MessageCase
from ponte.ai.test_evaluate import CONVERSATIONS, MESSAGES


def cases() -> tuple[list[MessageCase], list[ConversationCase]]:
    from ponte.ai.scoring import ChatLine

    messages = [MessageCase(text, sentiment, intent, split)
                for text, sentiment, intent, split in MESSAGES]
    conversations = [ConversationCase(tuple(ChatLine(who == "customer", text)
                                            for who, text in turns), hot, split)
                     for turns, hot, split in CONVERSATIONS]
    return messages, conversations


def test_only_training_rows_are_scored_and_listed():
    messages, conversations = cases()
    result = cross_validate(messages, conversations, folds=3)
    assert result.messages == sum(m.split == "train" for m in messages)
    assert result.conversations == sum(c.split == "train" for c in conversations)
    held_out = {m.text for m in messages if m.split == "heldout"}
    assert not {miss.text for miss in result.misses} & held_out
    assert result.intent_auc is not None and 0.0 <= result.intent_auc <= 1.0


def test_the_report_names_the_folds_and_the_figures():
    messages, conversations = cases()
    report = cross_validation_report(cross_validate(messages, conversations, folds=3), 3,
                                     misses=True)
    assert report.startswith("validação cruzada em 3 partes, só o treino (6 mensagens")
    assert "AUC de intenção" in report and "acurácia de sentimento" in report
