"""Leads for integrators: the ranking a seller works through, one lead's history, and
giving a lead a status or an owner (`ponte.leads.services`)."""

from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router
from ninja.errors import HttpError

from ponte.api import cursors, schemas
from ponte.api.openapi import answers
from ponte.api.paging import BEFORE, LIMIT, page
from ponte.leads import queries
from ponte.leads.models import Lead, LeadScore
from ponte.leads.services import check_lead_owner, do_update_lead

router = Router(tags=["leads"])


def _sentiment(row: Lead | LeadScore) -> dict | None:
    if not row.sentiment_label or row.sentiment_value is None:
        return None
    return {"label": row.sentiment_label, "value": row.sentiment_value}


def _lead_out(lead: Lead) -> dict:
    contact = lead.contact
    return {
        "id": lead.pk,
        "contact": {"id": contact.pk, "name": contact.display_name, "e164": contact.e164},
        "conversation_id": lead.conversation_id, "status": lead.status,
        "status_label": lead.get_status_display(),
        "owner": lead.owner.email if lead.owner else None,
        "score": lead.score, "band": lead.band, "sentiment": _sentiment(lead),
        "intent": lead.intent, "reasons": lead.reasons,
        "trend": queries.trend(lead),
        "scored_at": lead.scored_at,
    }


def _detail_out(lead: Lead) -> dict:
    return {**_lead_out(lead), "history": [
        {"score": row.score, "sentiment": _sentiment(row), "intent": row.intent,
         "reasons": row.reasons, "scored_at": row.scored_at} for row in queries.history(lead)]}


def _lead_or_404(request: HttpRequest, lead_id: int) -> Lead:
    lead = queries.leads(request.auth).filter(pk=lead_id).first()
    if lead is None:
        raise HttpError(404, "No such lead.")
    return lead


# Cursors carry positive integers: a score (0..100) travels as score + 1, unscored as null.
def _cursor_key(lead: Lead) -> tuple[int | None, int]:
    return (None if lead.score is None else lead.score + 1, lead.pk)


def _after(before: str) -> queries.RankKey:
    rank, pk = cursors.decode(before, (int, int), nullable=frozenset({0}))
    if rank is not None and rank > 101:
        raise cursors.BadCursor
    return (None if rank is None else rank - 1, pk)


@router.get("/leads", response=answers({200: schemas.LeadPage}, 400))
def list_leads(request: HttpRequest, before: str | None = BEFORE, limit: int = LIMIT,
               status: Literal["new", "in_progress", "won", "lost"] | None = Query(
                   None, description="Only leads with this status: " + schemas.LEAD_STATUS),
               band: Literal["hot", "warm", "cold"] | None = Query(
                   None, description="Only `hot` (70+), `warm` (40–69) or `cold` (<40) leads.")):
    """Every number that wrote is a lead: hottest first (then newest), unscored ones last.
    Each says why it scored so, and `trend`, how far the last scoring moved it."""
    rows = queries.ranked(request.auth, status=status, band=band,
                          after=_after(before) if before else None, limit=limit)
    shown, next_before = page(rows, limit, _cursor_key)
    return {"items": [_lead_out(lead) for lead in shown], "next_before": next_before}


@router.get("/leads/{lead_id}", response=answers({200: schemas.LeadDetailOut}, 404))
def get_lead(request: HttpRequest, lead_id: int):
    """One lead, as in the list, with each of its scorings newest first; 404 unless it
    belongs to your organization."""
    return _detail_out(_lead_or_404(request, lead_id))


@router.patch("/leads/{lead_id}", response={**answers({200: schemas.LeadDetailOut}, 404),
                                            422: schemas.InvalidOwnerOrFieldsOut})
def update_lead(request: HttpRequest, lead_id: int, payload: schemas.LeadUpdateIn):
    """Set a lead's status, its owner (a member's e-mail; null or empty for nobody), or both.
    Fields left out stay as they are. An e-mail that is not a member's is a 422
    `invalid_owner`."""
    lead = _lead_or_404(request, lead_id)
    asked = payload.model_fields_set
    changes: dict = {}
    if "status" in asked and payload.status is not None:
        changes["status"] = payload.status
    if "owner_email" in asked:
        changes["owner"] = check_lead_owner(lead.org_id, payload.owner_email)
    do_update_lead(lead, changes)
    return _detail_out(_lead_or_404(request, lead_id))
