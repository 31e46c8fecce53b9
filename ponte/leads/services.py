"""Every new number becomes a lead; what its customer writes re-scores it, a moment later.

The inbox pipeline calls `do_track_inbound` with each run of stored messages: it creates
the missing leads and marks them due a few seconds ahead (`score_due_at`). The background
loop "ponte-leads" then scores what is due (`do_score_due_leads`), so a burst of ten
messages is read once, whole, off the webhook's path; when the customer spoke last, the
same pass stores a reply suggestion for the attendant (`suggestions.py`).
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte import realtime
from ponte.accounts.models import Member
from ponte.ai.choice import provider_for, style_note_for
from ponte.ai.scoring import ChatLine, Score
from ponte.conversations.models import Conversation, Message
from ponte.db import serialized_writes
from ponte.errors import Refused
from ponte.leads.models import Lead, LeadScore
from ponte.leads.suggestions import do_suggest_reply

log = logging.getLogger(__name__)
# A lead whose scoring failed unexpectedly is tried again this much later.
RETRY_AFTER = timedelta(minutes=1)
# The offline provider reads the latest lines; older ones barely move its recency weights.
LINES_READ = 40


def do_track_inbound(org_id, messages: Iterable[Message]) -> None:
    """Make each customer who wrote a lead, and ask for a scoring a little later.

    A few queries per run of messages, whatever its size; our own outbound copies
    (echoes of what the shop sent) neither create leads nor re-score them.
    """
    chats = {m.conversation_id for m in messages if m.direction == Message.Direction.INBOUND}
    if not chats:
        return
    contact_ids = set(Conversation.objects.filter(org_id=org_id, pk__in=chats)
                      .values_list("contact_id", flat=True))
    Lead.objects.bulk_create([Lead(org_id=org_id, contact_id=contact_id)
                              for contact_id in contact_ids], ignore_conflicts=True)
    due = timezone.now() + timedelta(seconds=settings.PONTE_LEAD_SCORE_DEBOUNCE_SECONDS)
    Lead.objects.filter(org_id=org_id, contact_id__in=contact_ids).update(score_due_at=due)


def do_track_transcript(sender, *, org_id, message: Message, **kwargs) -> None:
    """A voice note's words were stored (`ponte.ai.signals.transcript_written`): its lead is
    scored again, as when a message arrives; a transcript of the shop's own note is context
    for the next scoring, as the shop's typed messages are."""
    do_track_inbound(org_id, [message])


def do_score_due_leads(now: datetime | None = None, limit: int = 50) -> int:
    """Score the leads whose scoring is due; returns how many were scored.

    The chat is read and scored outside the write lock; the write then claims the lead
    only if its due time is still the one read, so a message that arrived meanwhile
    (a later due time) gets its own scoring, and two workers never score one lead twice.
    """
    now = now or timezone.now()
    due = list(Lead.objects.filter(score_due_at__lte=now)
               .order_by("score_due_at", "pk")
               .values_list("pk", "org_id", "contact_id", "score_due_at")[:limit])
    scored = 0
    chosen: dict = {}  # org id -> (provider, style note): the settings read once per pass
    for lead_id, org_id, contact_id, due_at in due:
        try:
            chats = list(Conversation.objects.filter(org_id=org_id, contact_id=contact_id)
                         .values_list("pk", flat=True))
            if org_id not in chosen:
                chosen[org_id] = (provider_for(org_id), style_note_for(org_id))
            provider, style_note = chosen[org_id]
            lines = chat_lines(org_id, chats)
            if _do_record_score(lead_id, org_id, due_at, chats, provider.score(lines), now):
                scored += 1
                # A draft for the attendant, in this background pass, never in a request.
                do_suggest_reply(lead_id, org_id, chats, lines, provider, style_note)
        except Exception:  # one lead's surprise must not hold up the others' scores
            log.exception("scoring lead %s failed; trying again in a minute", lead_id)
            with serialized_writes():
                Lead.objects.filter(pk=lead_id, score_due_at=due_at).update(
                    score_due_at=now + RETRY_AFTER)
    return scored


def chat_lines(org_id, chat_ids: list[int]) -> list[ChatLine]:
    """The person's latest lines across their chats, oldest first, as a provider reads them;
    a voice note is the words transcribed from it."""
    latest = (Message.objects.filter(org_id=org_id, conversation__in=chat_ids)
              .order_by("-engine_timestamp", "-id")
              .values_list("direction", "text", "caption", "transcript",
                           "engine_timestamp")[:LINES_READ])
    lines = []
    for direction, text, caption, transcript, at in reversed(latest):
        # A voice note's words count like typed ones (after its caption, if it has one).
        said = "\n".join(part for part in (text or caption, transcript) if part.strip())
        if said:
            lines.append(ChatLine(direction == Message.Direction.INBOUND, said, at))
    return lines


def _do_record_score(lead_id: int, org_id, due_at: datetime, chats: list[int], result: Score,
                     now: datetime) -> bool:
    with serialized_writes(), transaction.atomic():
        claimed = Lead.objects.filter(pk=lead_id, score_due_at=due_at).update(
            score=result.score, reasons=result.reasons,
            sentiment_label=result.sentiment.label, sentiment_value=result.sentiment.value,
            intent=result.intent, scored_at=now, score_due_at=None)
        if not claimed:
            return False  # scored elsewhere, re-due by a newer message, or erased meanwhile
        LeadScore.objects.create(
            lead_id=lead_id, org_id=org_id, score=result.score, reasons=result.reasons,
            sentiment_label=result.sentiment.label, sentiment_value=result.sentiment.value,
            intent=result.intent, scored_at=now)
        _forget_old_scores(lead_id)
        realtime.publish_on_commit(org_id, "lead.scored", {
            "lead_id": lead_id, "conversation_ids": chats, "score": result.score})
    return True


def _forget_old_scores(lead_id: int) -> None:
    """Keep the history a seller reads (the trend, the last weeks), not every burst ever."""
    kept = settings.PONTE_LEAD_SCORES_KEPT
    oldest_kept = (LeadScore.objects.filter(lead_id=lead_id).order_by("-scored_at", "-id")
                   .values_list("scored_at", "id")[kept - 1:kept].first())
    if oldest_kept is not None:
        at, pk = oldest_kept
        LeadScore.objects.filter(lead_id=lead_id).filter(
            Q(scored_at__lt=at) | Q(scored_at=at, id__lt=pk)).delete()


class LeadRefused(Refused):
    """A change to a lead that cannot be made."""

    status = 422


def check_lead_owner(org_id, email: str | None):
    """The user a lead may be given to: a member of the lead's organization; None clears it."""
    if not email or not email.strip():
        return None
    member = (Member.objects.filter(org_id=org_id, user__email__iexact=email.strip(),
                                    user__is_active=True)
              .select_related("user").first())
    if member is None:
        raise LeadRefused("invalid_owner", _(
            "“%(email)s” não é membro desta organização: o lead só pode ficar com alguém da "
            "equipe.") % {"email": email.strip()[:100]})
    return member.user


def do_update_lead(lead: Lead, changes: dict) -> Lead:
    """Set the lead's status and/or owner (`changes` holds only what was asked)."""
    with serialized_writes(), transaction.atomic():
        for name, value in changes.items():
            setattr(lead, name, value)
        if changes:
            lead.save(update_fields=list(changes))
            realtime.publish_on_commit(lead.org_id, "lead.updated", {"lead_id": lead.pk})
    return lead
