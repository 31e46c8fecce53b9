"""Replies the AI proposes to the attendant: written in the scoring pass, never sent by it.

The scoring loop asks the provider for a reply when the customer spoke last and stores it
for the chat that customer wrote in (`do_suggest_reply`). The chat's panel shows it; its
"Enviar agora" only fills the composer. If the attendant's send carries the suggestion's
id, `do_mark_suggestion_used` records that it was used and how much of it was kept.
"""

import logging
from collections.abc import Sequence
from difflib import SequenceMatcher

from django.db import transaction
from django.utils import timezone

from ponte import realtime
from ponte.ai.scoring import ChatLine, Provider
from ponte.conversations.models import Contact, Conversation, Message
from ponte.db import serialized_writes
from ponte.leads.models import Lead, ReplySuggestion

log = logging.getLogger(__name__)


def do_suggest_reply(lead_id: int, org_id, chat_ids: list[int], lines: Sequence[ChatLine],
                     provider: Provider, style_note: str = "") -> ReplySuggestion | None:
    """Store a reply to the person's latest message, if it is theirs; None if there is none.

    Older unused suggestions for that chat are superseded: the panel shows one, the newest.
    """
    latest = (Message.objects.filter(org_id=org_id, conversation__in=chat_ids)
              .order_by("-engine_timestamp", "-id")
              .values("pk", "direction", "conversation_id").first())
    if latest is None or latest["direction"] != Message.Direction.INBOUND or not lines:
        return None  # the shop spoke last: nothing to answer
    name = (Contact.objects.filter(lead__pk=lead_id).values_list("name", "push_name").first()
            or ("", ""))
    try:
        proposed = provider.suggest(lines, name[0] or name[1] or None, style_note)
    except Exception:  # a provider's failure costs the suggestion, never the scoring loop
        log.exception("reply suggestion failed (provider %s)", getattr(provider, "name", "?"))
        return None
    text = proposed.text.strip()
    if not text:
        return None
    chat_id = latest["conversation_id"]
    with serialized_writes(), transaction.atomic():
        # The lead row locked: an erasure of the person waits, or has already happened.
        if not Lead.objects.select_for_update().filter(pk=lead_id).exists() \
                or not Message.objects.filter(pk=latest["pk"]).exists():
            return None
        unused = ReplySuggestion.objects.filter(conversation_id=chat_id, used_at=None,
                                                superseded_at=None)
        if unused.filter(based_on_id=latest["pk"], text=text).exists():
            return None  # the same answer to the same message is already on screen
        now = timezone.now()
        unused.update(superseded_at=now)
        suggestion = ReplySuggestion.objects.create(
            org_id=org_id, lead_id=lead_id, conversation_id=chat_id, text=text,
            topic=proposed.intent_topic[:40], provider=str(getattr(provider, "name", ""))[:40],
            based_on_id=latest["pk"], created_at=now)
        realtime.publish_on_commit(org_id, "reply.suggested", {
            "conversation_id": chat_id, "suggestion_id": suggestion.pk})
    return suggestion


def similarity(proposed: str, sent: str) -> float:
    """1.0 for the suggestion sent as it was, towards 0 the more the attendant rewrote it."""
    return round(SequenceMatcher(None, proposed, sent, autojunk=False).ratio(), 4)


def do_mark_suggestion_used(chat: Conversation, suggestion_id: int | None,
                            sent: Message) -> ReplySuggestion | None:
    """Record that the attendant's send started from this suggestion.

    Only an unused suggestion of this very chat counts: an id from another chat or
    organization (a stale tab, a forged form) is ignored, and the send goes on anyway.
    """
    if suggestion_id is None:
        return None
    with serialized_writes(), transaction.atomic():
        found = (ReplySuggestion.objects.select_for_update()
                 .filter(pk=suggestion_id, org_id=chat.org_id, conversation_id=chat.pk,
                         used_at=None).first())
        if found is None:
            return None
        found.used_at = timezone.now()
        found.sent_message = sent
        found.similarity = similarity(found.text, sent.text)
        found.save(update_fields=["used_at", "sent_message", "similarity"])
        realtime.publish_on_commit(chat.org_id, "reply.used", {
            "conversation_id": chat.pk, "suggestion_id": found.pk})
    return found
