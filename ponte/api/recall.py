"""Marketing recall for integrators: who to remind today and what reminders earned.

The schemas live here rather than in `schemas.py`: they describe this router only.
"""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from ponte.api import cursors
from ponte.api.openapi import answers
from ponte.api.paging import BEFORE, LIMIT, page
from ponte.api.schemas import CURSOR
from ponte.marketing import opportunities, tracking

router = Router(tags=["recall"])


class RecallCustomerOut(Schema):
    external_id: str
    name: str
    e164: str


class OpportunityOut(Schema):
    kind: str = Field(description="`cashback`, `inactivity` or `birthday`.")
    customer: RecallCustomerOut
    reason: str = Field(description="Why, in pt-BR: “R$ 45,90 de cashback vencem em 3 dias”.")
    value: Decimal | None = Field(description=(
        "What is at stake, a decimal string: the cashback balance; for inactivity, all the "
        "customer ever bought; for a birthday, the cashback balance if any."))
    bucket: int | None = Field(description="Inactivity: the highest threshold of days passed.")
    message: str = Field(description="The reminder, from the organization's template.")
    deep_link: str = Field(description=(
        "The chat with the reminder in the composer, unsent: `/chat/?phone=…&text=…`."))


class OpportunityPage(Schema):
    items: list[OpportunityOut]
    next_before: str | None = Field(description=CURSOR)


class OutcomeOut(Schema):
    kind: str
    customer: RecallCustomerOut
    message: str
    opened_at: datetime
    sent_at: datetime
    replied_at: datetime | None = Field(description="The customer's first message after it.")
    purchases: int = Field(description="The customer's sales dated after the reminder.")
    sales_total: Decimal


class ResultsOut(Schema):
    sent: int
    replied: int
    bought: int
    sales_total: Decimal
    items: list[OutcomeOut]


def _customer(customer, e164: str) -> dict:
    return {"external_id": customer.external_id, "name": customer.name, "e164": e164}


@router.get("/recall", response=answers({200: OpportunityPage}, 400))
def list_opportunities(request: HttpRequest,
                       kind: Literal["cashback", "inactivity", "birthday"] = Query(
                           ..., description="Which rule: `cashback`, `inactivity`, `birthday`."),
                       bucket: int | None = Query(None, description=(
                           "Inactivity only: at least this many days (one of the thresholds).")),
                       before: str | None = BEFORE, limit: int = LIMIT):
    """Customers to remind today by one rule, from the ERP's data, in the page's order
    (cashback soonest to expire, inactivity most recently lapsed, birthdays soonest).
    Customers who opted out of marketing, or with a hidden or no phone, never appear."""
    after = cursors.decode(before, (int, int)) if before else None
    rows = opportunities.opportunities(request.auth.pk, kind, bucket=bucket, after=after,
                                       limit=limit)
    shown, next_before = page(rows, limit, lambda o: o.sort)
    return {"items": [{"kind": o.kind, "customer": _customer(o.customer, o.e164),
                       "reason": o.reason, "value": o.value, "bucket": o.bucket,
                       "message": o.message, "deep_link": o.deep_link} for o in shown],
            "next_before": next_before}


@router.get("/recall/results", response=answers({200: ResultsOut}))
def recall_results(request: HttpRequest):
    """Reminders sent from the chat in the last 90 days, newest first (at most 200), each
    with the customer's first reply and the sales dated after it, and the totals."""
    found = tracking.results(request.auth.pk)
    return {"sent": found.sent, "replied": found.replied, "bought": found.bought,
            "sales_total": found.sales_total,
            "items": [{"kind": o.recall.kind, "customer": _customer(o.recall.customer,
                                                                    o.recall.e164),
                       "message": o.recall.message, "opened_at": o.recall.opened_at,
                       "sent_at": o.recall.sent_at, "replied_at": o.replied_at,
                       "purchases": o.purchases, "sales_total": o.sales_total}
                      for o in found.outcomes]}
