"""Fitting the offline provider's learned weights on the shipped `train` split only.

The `heldout` split is never read here, so its figures in `ponte ai eval` stay honest.
"""

from ponte.ai.labelled import ConversationCase, MessageCase, shipped
from ponte.ai.model import Softmax
from ponte.ai.offline import (
    HOT_PRIOR,
    INTENT_PRIOR,
    SENTIMENT_PRIOR,
    OfflineProvider,
    conversation_features,
    message_features,
)


def train_provider(messages: list[MessageCase] | None = None,
                   conversations: list[ConversationCase] | None = None) -> OfflineProvider:
    if messages is None or conversations is None:
        messages, conversations = shipped()
    messages = [case for case in messages if case.split == "train"]
    conversations = [case for case in conversations if case.split == "train"]
    rows = [message_features(case.text)[1] for case in messages]
    intent = Softmax(("0", "1"), INTENT_PRIOR).fit(rows, [str(case.intent) for case in messages])
    sentiment = Softmax(("negative", "neutral", "positive"), SENTIMENT_PRIOR).fit(
        rows, [case.sentiment for case in messages])
    provider = OfflineProvider(intent, sentiment)
    hot_rows = []
    for case in conversations:
        readings = [provider.read(line.text) for line in case.lines if line.from_customer]
        hot_rows.append(conversation_features(readings, case.lines))
    provider.hot = Softmax(("0", "1"), HOT_PRIOR).fit(hot_rows, [str(c.hot) for c in conversations])
    return provider
