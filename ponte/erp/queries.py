"""Reading ERP data for a chat: the customers behind a phone and what they bought."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Max, Min, Sum

from ponte.erp.models import Customer, Sale

LATEST_SALES = 5


@dataclass(frozen=True)
class PurchaseSummary:
    total_spent: Decimal = Decimal("0.00")
    purchases: int = 0
    first_purchase_at: datetime | None = None
    last_purchase_at: datetime | None = None
    latest: list[Sale] = field(default_factory=list)


def customers_for_phones(org_id, e164s: Iterable[str]) -> list[Customer]:
    """Every customer holding any of these canonical numbers; a shared phone gives all of them.

    Stored numbers are canonical (the ninth digit added), so an 8-digit and a
    9-digit form of one mobile meet here once the caller canonicalizes too.
    """
    numbers = sorted({e164 for e164 in e164s if e164})
    if not numbers:
        return []
    return list(Customer.objects.filter(org_id=org_id, phones__e164__in=numbers)
                .distinct().prefetch_related("phones").order_by("name", "pk"))


def purchase_summary(customer: Customer) -> PurchaseSummary:
    """Totals over every sale of the customer, and the five newest."""
    sales = Sale.objects.filter(org_id=customer.org_id, customer=customer)
    totals = sales.aggregate(total=Sum("total"), count=Count("pk"), first=Min("date"),
                             last=Max("date"))
    if not totals["count"]:
        return PurchaseSummary()
    return PurchaseSummary(
        total_spent=Decimal(totals["total"]).quantize(Decimal("0.01")),
        purchases=totals["count"],
        first_purchase_at=totals["first"],
        last_purchase_at=totals["last"],
        latest=list(sales.order_by("-date", "-pk")[:LATEST_SALES]))
