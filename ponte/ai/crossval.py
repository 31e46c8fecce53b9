"""K-fold cross-validation inside the `train` split: how to tune the rules without the held-out.

The held-out figures are honest only if no choice was made by looking at them. So the rules
and lexicon are tuned on what this module reports: each fold of `train` is scored by a model
fitted on the other folds, and the misses it lists are training rows only.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ponte.ai.evaluate import accuracy, roc_auc
from ponte.ai.labelled import ConversationCase, MessageCase
from ponte.ai.scoring import ChatLine


@dataclass(frozen=True)
class Miss:
    """A training row the fold's model got wrong: what it said against the label."""

    kind: str  # "intent", "sentiment" or "hot"
    text: str
    expected: str
    found: str


@dataclass(frozen=True)
class CrossValidation:
    intent_auc: float | None
    sentiment_accuracy: float | None
    hot_auc: float | None
    messages: int
    conversations: int
    misses: tuple[Miss, ...]


def _fold(cases: Sequence, folds: int, number: int) -> tuple[list, list]:
    """Rows by position: every `folds`-th row from `number` is scored, the rest fitted."""
    fitted = [replace(case, split="train") for index, case in enumerate(cases)
              if index % folds != number]
    scored = [case for index, case in enumerate(cases) if index % folds == number]
    return fitted, scored


def cross_validate(messages: Sequence[MessageCase], conversations: Sequence[ConversationCase],
                   folds: int = 5) -> CrossValidation:
    """Pooled out-of-fold figures over the `train` rows only; held-out rows are dropped."""
    from ponte.ai.training import train_provider

    messages = [case for case in messages if case.split == "train"]
    conversations = [case for case in conversations if case.split == "train"]
    intents: list[tuple[int, float]] = []
    moods: list[tuple[str, str]] = []
    hots: list[tuple[int, float]] = []
    misses: list[Miss] = []
    for number in range(folds):
        fit_messages, scored_messages = _fold(messages, folds, number)
        fit_conversations, scored_conversations = _fold(conversations, folds, number)
        provider = train_provider(fit_messages, fit_conversations)
        for case in scored_messages:
            score = provider.score([ChatLine(True, case.text)])
            intents.append((case.intent, score.intent))
            moods.append((case.sentiment, score.sentiment.label))
            if (score.intent >= 0.5) != bool(case.intent):
                misses.append(Miss("intent", case.text, str(case.intent), f"{score.intent:.2f}"))
            if score.sentiment.label != case.sentiment:
                misses.append(Miss("sentiment", case.text, case.sentiment,
                                   score.sentiment.label))
        for case in scored_conversations:
            hot = provider.score(case.lines).score
            hots.append((case.hot, hot))
            if (hot >= 50) != bool(case.hot):
                said = " | ".join(("C: " if line.from_customer else "L: ") + line.text
                                  for line in case.lines)
                misses.append(Miss("hot", said, str(case.hot), str(hot)))
    return CrossValidation(
        intent_auc=roc_auc([label for label, _ in intents], [value for _, value in intents]),
        sentiment_accuracy=accuracy([label for label, _ in moods], [found for _, found in moods]),
        hot_auc=roc_auc([label for label, _ in hots], [value for _, value in hots]),
        messages=len(messages), conversations=len(conversations), misses=tuple(misses))


def cross_validation_report(result: CrossValidation, folds: int, *, misses: bool) -> str:
    """Plain text for `ponte ai eval --cross-validate`."""
    def shown(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    lines = [f"validação cruzada em {folds} partes, só o treino "
             f"({result.messages} mensagens, {result.conversations} conversas)",
             f"AUC de intenção        {shown(result.intent_auc)}",
             f"acurácia de sentimento {shown(result.sentiment_accuracy)}",
             f"AUC de lead quente     {shown(result.hot_auc)}"]
    if misses:
        lines += [f"{miss.kind}\tesperado {miss.expected}\tobtido {miss.found}\t{miss.text}"
                  for miss in result.misses]
    return "\n".join(lines)
