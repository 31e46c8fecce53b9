"""A reminder's life: opened from the Marketing page, sent from the chat, then what it earned.

What it earned is read when asked (a reply in the chat after the send, the customer's
sales after it), so the inbox and the ERP import need not know reminders exist.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from ponte.conversations.models import Message
from ponte.erp.models import Sale
from ponte.marketing.models import Recall
from ponte.marketing.opportunities import Opportunity

RESULTS_DAYS = 90


def do_open_recall(org_id, opportunity: Opportunity, user=None) -> Recall:
    """Remember that this reminder was opened in the chat, with the text it was opened with."""
    return Recall.objects.create(org_id=org_id, customer=opportunity.customer,
                                 kind=opportunity.kind, e164=opportunity.e164,
                                 message=opportunity.message, opened_by=user)


def do_mark_recall_sent(recall_id: int | None, message: Message) -> bool:
    """The composer's first text that carried this reminder's id: it was sent, as this message.

    Its time is the message's, the clock replies are compared against. Only a reminder
    of the same organization, to the chat's own number, not sent before.
    """
    if recall_id is None:
        return False
    chat = message.conversation
    return bool(Recall.objects.filter(
        pk=recall_id, org_id=message.org_id, sent_at__isnull=True,
        e164=chat.contact.e164 or "-").update(
        sent_at=message.engine_timestamp or timezone.now(), sent_message=message,
        conversation=chat))


@dataclass(frozen=True)
class Outcome:
    recall: Recall
    replied_at: datetime | None
    purchases: int
    sales_total: Decimal


@dataclass(frozen=True)
class Results:
    outcomes: list[Outcome]
    sent: int
    replied: int
    bought: int
    sales_total: Decimal


def results(org_id, *, days: int = RESULTS_DAYS, limit: int = 200) -> Results:
    """Reminders sent in the last `days`, newest first, each with its reply and later sales.

    One query: the first inbound message in the reminder's chat after the send, and the
    count and sum of the customer's sales dated after it.
    """
    # WhatsApp dates a message to the second, so a reply in the second of the send would look
    # older than it: a reply is stored after the sent message and dated no earlier than its
    # second (an old message synced late is not a reply).
    replies = Message.objects.filter(
        conversation=OuterRef("conversation"), direction=Message.Direction.INBOUND,
        pk__gt=Coalesce(OuterRef("sent_message"), 0),
        engine_timestamp__gte=OuterRef("sent_at") - timedelta(seconds=1)
    ).order_by("engine_timestamp", "pk")
    sales = Sale.objects.filter(customer=OuterRef("customer"), date__gt=OuterRef("sent_at")
                                ).values("customer")
    rows = (Recall.objects.filter(org_id=org_id, sent_at__isnull=False,
                                  sent_at__gte=timezone.now() - timedelta(days=days))
            .select_related("customer")
            .annotate(replied_at=Subquery(replies.values("engine_timestamp")[:1]),
                      purchases=Subquery(sales.annotate(n=Count("pk")).values("n")[:1]),
                      sales_total=Subquery(sales.annotate(t=Sum("total")).values("t")[:1]))
            .order_by("-sent_at", "-pk")[:limit])
    cents = Decimal("0.01")  # SQLite's sum through a subquery loses the decimal places
    outcomes = [Outcome(r, r.replied_at, r.purchases or 0,
                        Decimal(r.sales_total or 0).quantize(cents)) for r in rows]
    return Results(outcomes, len(outcomes), sum(1 for o in outcomes if o.replied_at),
                   sum(1 for o in outcomes if o.purchases),
                   sum((o.sales_total for o in outcomes), Decimal("0.00")))
