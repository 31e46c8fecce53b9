"""Who to remind today, read from the ERP's customers and sales: one query per kind.

Every kind starts from `reachable`: customers who did not opt out of marketing,
with a phone we can write to, none of whose phones is hidden in the CRM.
Each opportunity carries its sort key, two positive integers, for the next page.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils import timezone

from ponte.erp.models import Customer, CustomerPhone, Sale
from ponte.marketing import wording
from ponte.marketing.models import Kind, RecallSettings
from ponte.privacy.models import HiddenNumber
from ponte.text import reais

SHOP_TZ = ZoneInfo("America/Sao_Paulo")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_MICROSECONDS = (datetime(9999, 1, 1, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)
SortKey = tuple[int, int]


@dataclass(frozen=True)
class Opportunity:
    kind: str
    customer: Customer
    e164: str
    reason: str
    value: Decimal | None
    message: str
    sort: SortKey
    bucket: int | None = None

    @property
    def deep_link(self) -> str:
        """The chat's deep link with the reminder in the composer, unsent."""
        return f"{reverse('deep_link')}?{urlencode({'phone': self.e164, 'text': self.message})}"


def shop_today() -> date:
    return timezone.now().astimezone(SHOP_TZ).date()


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, SHOP_TZ)


def reachable(org_id) -> QuerySet[Customer]:
    """Customers a reminder may go to, each with its first phone and its last sale's date."""
    phones = CustomerPhone.objects.filter(customer=OuterRef("pk"), e164__startswith="+")
    hidden = HiddenNumber.objects.filter(org_id=org_id).values("e164")
    last_sale = Sale.objects.filter(customer=OuterRef("pk")).order_by("-date").values("date")
    return (Customer.objects.filter(org_id=org_id, marketing_opt_out=False)
            .annotate(e164=Subquery(phones.order_by("pk").values("e164")[:1]),
                      last_sale=Subquery(last_sale[:1]))
            .filter(e164__isnull=False)
            .exclude(Exists(CustomerPhone.objects.filter(customer=OuterRef("pk"),
                                                         e164__in=hidden))))


def _message(template: str, customer: Customer, today: date) -> str:
    last = customer.last_sale.astimezone(SHOP_TZ).date() if customer.last_sale else None
    return wording.fill(template, {
        "nome": wording.first_name(customer.name),
        "valor_cashback": reais(customer.cashback_balance or Decimal(0)),
        "validade": wording.format_date(customer.cashback_expires_on),
        "dias_sem_comprar": str((today - last).days) if last else "",
        "ultima_compra": wording.format_date(last)})


def template_for(settings: RecallSettings, kind: str) -> str:
    return getattr(settings, f"template_{kind}") or str(wording.DEFAULT_TEMPLATES[kind])


def cashback(org_id, settings: RecallSettings, *, after: SortKey | None = None,
             limit: int = 50, customer_id: int | None = None) -> list[Opportunity]:
    """A balance of at least the minimum that expires within the window (today counts)."""
    today = shop_today()
    rows = reachable(org_id).filter(
        cashback_balance__gt=0, cashback_balance__gte=settings.cashback_minimum,
        cashback_expires_on__gte=today,
        cashback_expires_on__lte=today + timedelta(days=settings.cashback_window_days))
    if customer_id is not None:
        rows = rows.filter(pk=customer_id)
    if after:
        if after[0] > date.max.toordinal():  # a forged cursor: past every date
            return []
        day = date.fromordinal(after[0])
        rows = rows.filter(Q(cashback_expires_on__gt=day)
                           | Q(cashback_expires_on=day, pk__gt=after[1]))
    template = template_for(settings, Kind.CASHBACK)
    return [Opportunity(
        Kind.CASHBACK, c, c.e164,
        wording.cashback_reason(c.cashback_balance, (c.cashback_expires_on - today).days),
        c.cashback_balance, _message(template, c, today),
        (c.cashback_expires_on.toordinal(), c.pk))
        for c in rows.order_by("cashback_expires_on", "pk")[:limit + 1]]


def inactivity(org_id, settings: RecallSettings, *, bucket: int | None = None,
               after: SortKey | None = None, limit: int = 50,
               customer_id: int | None = None) -> list[Opportunity]:
    """No sale for at least the first threshold of days, the most recently lapsed first.

    Days count in the shop's calendar: a sale yesterday evening is 1 day ago. `bucket`
    (one of the thresholds) keeps those at least that many days without buying; each
    opportunity says the highest threshold it passed.
    """
    today = shop_today()
    buckets = settings.inactivity_buckets
    low = bucket if bucket in buckets else buckets[0]
    rows = reachable(org_id).filter(last_sale__lt=_day_start(today - timedelta(days=low - 1)))
    if customer_id is not None:
        rows = rows.filter(pk=customer_id)
    if after:
        if after[0] > MAX_MICROSECONDS:  # a forged cursor: past every date
            return []
        moment = EPOCH + timedelta(microseconds=after[0])
        rows = rows.filter(Q(last_sale__lt=moment) | Q(last_sale=moment, pk__gt=after[1]))
    total = Sale.objects.filter(customer=OuterRef("pk")).values("customer").annotate(
        spent=Sum("total")).values("spent")
    rows = rows.annotate(spent=Subquery(total[:1])).order_by("-last_sale", "pk")
    template = template_for(settings, Kind.INACTIVITY)
    found = []
    for c in rows[:limit + 1]:
        days = (today - c.last_sale.astimezone(SHOP_TZ).date()).days
        found.append(Opportunity(
            Kind.INACTIVITY, c, c.e164, wording.inactivity_reason(days),
            Decimal(c.spent or 0).quantize(Decimal("0.01")),
            _message(template, c, today),
            ((c.last_sale - EPOCH) // timedelta(microseconds=1), c.pk),
            bucket=max(b for b in buckets if b <= days) if days >= buckets[0] else low))
    return found


def _birthdays_ahead(today: date) -> dict[tuple[int, int], int]:
    """(month, day) -> days from today, for today and the 6 days after.

    Someone born on 29 February celebrates on the 28th in a year without one.
    """
    ahead = {}
    for offset in range(7):
        day = today + timedelta(days=offset)
        ahead[(day.month, day.day)] = offset
        if (day.month, day.day) == (2, 28) and (day + timedelta(days=1)).month == 3:
            ahead[(2, 29)] = offset
    return ahead


def birthday(org_id, settings: RecallSettings, *, after: SortKey | None = None,
             limit: int = 50, customer_id: int | None = None) -> list[Opportunity]:
    """Birthdays from today to 6 days ahead, soonest first.

    A week's birthdays are a small share of the customers, so they are read in one
    query and paged here, where the turn of the year is easy to sort.
    """
    if not settings.birthday_enabled:
        return []
    today = shop_today()
    ahead = _birthdays_ahead(today)
    condition = Q(pk__in=[])
    for month, day in ahead:
        condition |= Q(birthday__month=month, birthday__day=day)
    rows = reachable(org_id).filter(condition)
    if customer_id is not None:
        rows = rows.filter(pk=customer_id)
    template = template_for(settings, Kind.BIRTHDAY)
    found = []
    for c in rows:
        offset = ahead[(c.birthday.month, c.birthday.day)]
        balance = c.cashback_balance if c.cashback_balance and c.cashback_balance > 0 else None
        found.append(Opportunity(
            Kind.BIRTHDAY, c, c.e164,
            wording.birthday_reason(offset, (today + timedelta(days=offset)).weekday()),
            balance, _message(template, c, today), (offset + 1, c.pk)))
    found.sort(key=lambda o: o.sort)
    if after:
        found = [o for o in found if o.sort > tuple(after)]
    return found[:limit + 1]


def opportunities(org_id, kind: str, *, bucket: int | None = None,
                  after: SortKey | None = None, limit: int = 50,
                  settings: RecallSettings | None = None,
                  customer_id: int | None = None) -> list[Opportunity]:
    """Up to `limit + 1` opportunities of one kind (the extra one says a next page exists)."""
    settings = settings or RecallSettings.for_org(org_id)
    options = {"after": after, "limit": limit, "customer_id": customer_id}
    if kind == Kind.CASHBACK:
        return cashback(org_id, settings, **options)
    if kind == Kind.INACTIVITY:
        return inactivity(org_id, settings, bucket=bucket, **options)
    if kind == Kind.BIRTHDAY:
        return birthday(org_id, settings, **options)
    raise ValueError(kind)
