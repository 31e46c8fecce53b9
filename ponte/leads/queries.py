"""Leads as the API, the Leads page and the chat panel read them: the ranking with its
filters, how a score moved, the reply proposed in a chat."""

from datetime import datetime

from django.db.models import F, OuterRef, QuerySet, Subquery

from ponte.conversations.models import Conversation, Message
from ponte.conversations.queries import SCORE_BANDS
from ponte.db import page_after
from ponte.leads.models import Lead, LeadScore, ReplySuggestion

# Sort key of a lead in the ranking: (score, id); an unscored lead comes after every scored one.
RankKey = tuple[int | None, int]


def leads(org) -> QuerySet:
    """The organization's leads with their latest chat and the score before the current one."""
    latest_chat = (Conversation.objects.filter(contact=OuterRef("contact"))
                   .order_by(F("last_message_at").desc(nulls_last=True), "-id").values("pk")[:1])
    previous = (LeadScore.objects.filter(lead=OuterRef("pk"))
                .order_by("-scored_at", "-id").values("score")[1:2])
    return (Lead.objects.for_org(org).select_related("contact", "owner")
            .annotate(conversation_id=Subquery(latest_chat), previous_score=Subquery(previous)))


def ranked(org, *, status: str | None = None, band: str | None = None,
           owner_id: int | None = None, unowned: bool = False,
           scored_since: datetime | None = None,
           after: RankKey | None = None, limit: int = 50) -> list[Lead]:
    """Hottest first (then newest), `limit + 1` rows from just after `after`.

    `owner_id` keeps one member's leads, `unowned` those nobody took; `scored_since` keeps
    the leads scored from then on (an unscored lead never is).
    """
    rows = leads(org)
    if status:
        rows = rows.filter(status=status)
    if band:
        rows = rows.filter(score__range=SCORE_BANDS[band])
    if unowned:
        rows = rows.filter(owner__isnull=True)
    elif owner_id is not None:
        rows = rows.filter(owner_id=owner_id)
    if scored_since is not None:
        rows = rows.filter(scored_at__gte=scored_since)
    return page_after(rows, "score", after, limit)


def trend(lead: Lead) -> int | None:
    """How far the latest scoring moved the lead (a lead from `leads`); None before a second."""
    previous = getattr(lead, "previous_score", None)
    if lead.score is None or previous is None:
        return None
    return lead.score - previous


def history(lead: Lead, limit: int = 100) -> list[LeadScore]:
    return list(lead.scores.order_by("-scored_at", "-id")[:limit])


def with_previous_score(lead: Lead | None) -> Lead | None:
    """The lead as `leads` annotates it, for one lead read on its own (the chat panel)."""
    if lead is not None:
        lead.previous_score = (lead.scores.order_by("-scored_at", "-id")
                               .values_list("score", flat=True)[1:2].first())
    return lead


def suggestion_for(chat: Conversation) -> ReplySuggestion | None:
    """The reply to propose in this chat now: none once the shop has written after the customer."""
    last = Message.objects.filter(pk=chat.last_message_id).values_list("direction", flat=True)
    if chat.last_message_id is None or last.first() != Message.Direction.INBOUND:
        return None
    return (ReplySuggestion.objects.filter(org_id=chat.org_id, conversation=chat, used_at=None,
                                           superseded_at=None)
            .order_by("-created_at", "-id").first())
