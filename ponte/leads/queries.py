"""Leads as the API lists them: hottest first, with their chat and how the score moved."""

from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from ponte.conversations.models import Conversation
from ponte.leads.models import Lead, LeadScore

BANDS = {"hot": Q(score__gte=70), "warm": Q(score__gte=40, score__lt=70), "cold": Q(score__lt=40)}
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
           after: RankKey | None = None, limit: int = 50) -> list[Lead]:
    """Hottest first (then newest), `limit + 1` rows from just after `after`."""
    rows = leads(org)
    if status:
        rows = rows.filter(status=status)
    if band:
        rows = rows.filter(BANDS[band])
    if after is not None:
        score, pk = after
        if score is None:
            rows = rows.filter(score__isnull=True, pk__lt=pk)
        else:
            rows = rows.filter(Q(score__lt=score) | Q(score=score, pk__lt=pk)
                               | Q(score__isnull=True))
    return list(rows.order_by(F("score").desc(nulls_last=True), "-pk")[: limit + 1])


def history(lead: Lead, limit: int = 100) -> list[LeadScore]:
    return list(lead.scores.order_by("-scored_at", "-id")[:limit])
