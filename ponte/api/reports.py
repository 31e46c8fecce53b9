"""The desk's reports for integrators: the figures of the Relatórios page for a period.

The schemas live here rather than in `schemas.py`: they describe this router only.
"""

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from ponte.api.openapi import answers
from ponte.desk.reports import Spread, check_period, org_zone, summary

router = Router(tags=["reports"])


class FirstResponseOut(Schema):
    answered: int = Field(description="Openings the shop answered before resolving the chat.")
    median_seconds: float | None
    p90_seconds: float | None = Field(description="90% of the answers came this fast or faster.")


class ResolutionOut(Schema):
    resolved: int = Field(description="Openings whose chat was then marked resolved.")
    median_seconds: float | None
    p90_seconds: float | None


class AttendantOut(Schema):
    user_id: int
    name: str
    assigned: int = Field(description=(
        "Chats assigned to them in the period, or theirs now with messages in the period."))
    messages_sent: int
    first_responses: int = Field(description="Openings whose first answer they sent.")
    first_response_median_seconds: float | None


class ReportSummaryOut(Schema):
    from_date: date
    to_date: date
    time_zone: str = Field(description="The organization's, in which days and hours are read.")
    openings: int = Field(description=(
        "A customer's first message in a chat, or the first after the chat was resolved."))
    first_response: FirstResponseOut
    resolution: ResolutionOut
    conversations_by_status: dict[str, int] = Field(description=(
        "Chats with messages in the period, by their status now: `open`, `pending`, "
        "`snoozed`, `resolved`."))
    customer_messages: int
    customer_messages_by_hour: list[int] = Field(description="24 counts, hour 0 first.")
    customer_messages_by_weekday: list[int] = Field(description="7 counts, Monday first.")
    attendants: list[AttendantOut]


def _spread(spread: Spread) -> dict:
    return {"median_seconds": spread.median, "p90_seconds": spread.p90}


@router.get("/reports/summary", response=answers({200: ReportSummaryOut}, 400))
def report_summary(request: HttpRequest,
                   from_: str | None = Query(None, alias="from", description=(
                       "First day, `YYYY-MM-DD`, in the organization's time zone.")),
                   to: str | None = Query(None, description="Last day, included.")):
    """The desk's figures for a period of at most 366 days (the last 7 days when neither
    date is given): first response and resolution times per chat opening (median and 90th
    percentile, the away message not counted as an answer), chats by status, customer
    messages by hour and weekday, and per attendant. A date that cannot be read, or a
    period that ends before it starts or is too long, is a 400 (`invalid_date`,
    `period_backwards`, `period_too_long`)."""
    org_id = request.auth.pk
    today = timezone.now().astimezone(org_zone(org_id)).date()
    first, last = check_period(from_, to, today)
    found = summary(org_id, first, last)
    return {
        "from_date": found.first, "to_date": found.last, "time_zone": found.time_zone,
        "openings": found.openings,
        "first_response": {"answered": found.first_response.count,
                           **_spread(found.first_response)},
        "resolution": {"resolved": found.resolution.count, **_spread(found.resolution)},
        "conversations_by_status": found.by_status,
        "customer_messages": found.customer_messages,
        "customer_messages_by_hour": found.by_hour,
        "customer_messages_by_weekday": found.by_weekday,
        "attendants": [{"user_id": a.user_id, "name": a.name, "assigned": a.assigned,
                        "messages_sent": a.sent, "first_responses": a.first_response.count,
                        "first_response_median_seconds": a.first_response.median}
                       for a in found.attendants],
    }
