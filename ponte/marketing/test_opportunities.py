"""Who the Marketing page proposes to remind, by each rule, on the edge days."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ponte.erp.services import do_upsert_customers, do_upsert_sales
from ponte.marketing.models import RecallSettings
from ponte.marketing.opportunities import SHOP_TZ, opportunities, shop_today
from ponte.privacy.models import HiddenNumber

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(make_tenant):
    return make_tenant().org


def add_customer(org, external_id: str, name: str = "Maria Souza", phones=("(31) 98765-4321",),
                 **fields) -> None:
    item = {"external_id": external_id, "name": name, "phones": list(phones),
            **{k: str(v) if v is not None and not isinstance(v, bool) else v
               for k, v in fields.items()}}
    assert [r.outcome for r in do_upsert_customers(org.pk, [item])] == ["created"], item


def add_sale(org, external_id: str, customer: str, days_ago: int, total: str = "100.00") -> None:
    moment = datetime.combine(shop_today() - timedelta(days=days_ago), time(15), SHOP_TZ)
    result = do_upsert_sales(org.pk, [{"external_id": external_id, "customer_external_id": customer,
                                       "date": moment.isoformat(), "total": total}])
    assert result[0].outcome == "created", result[0].errors


def names(org, kind: str, **options) -> list[str]:
    return [o.customer.external_id for o in opportunities(org.pk, kind, **options)]


def test_cashback_expiring_within_the_window_is_proposed_soonest_first(org):
    today = shop_today()
    add_customer(org, "today", "Ana", ["31 98765-0001"], cashback_balance="20.00",
                 cashback_expires_on=today)
    add_customer(org, "day7", "Bia", ["31 98765-0002"], cashback_balance="45.90",
                 cashback_expires_on=today + timedelta(days=7))
    add_customer(org, "day8", "Caio", ["31 98765-0003"], cashback_balance="45.90",
                 cashback_expires_on=today + timedelta(days=8))
    add_customer(org, "expired", "Duda", ["31 98765-0004"], cashback_balance="45.90",
                 cashback_expires_on=today - timedelta(days=1))
    add_customer(org, "small", "Edu", ["31 98765-0005"], cashback_balance="9.99",
                 cashback_expires_on=today + timedelta(days=2))
    add_customer(org, "minimum", "Fê", ["31 98765-0006"], cashback_balance="10.00",
                 cashback_expires_on=today + timedelta(days=3))
    found = opportunities(org.pk, "cashback")
    assert [o.customer.external_id for o in found] == ["today", "minimum", "day7"]
    assert [o.reason for o in found] == ["R$ 20,00 de cashback vencem hoje",
                                         "R$ 10,00 de cashback vencem em 3 dias",
                                         "R$ 45,90 de cashback vencem em 7 dias"]
    assert found[2].value == Decimal("45.90")
    assert found[2].e164 == "+5531987650002"
    assert found[2].message.startswith("Oi, Bia! Você tem R$ 45,90 de cashback na loja, válido "
                                       f"até {(today + timedelta(days=7)):%d/%m/%Y}.")


def test_the_shops_minimum_and_window_are_used(org):
    today = shop_today()
    add_customer(org, "C1", cashback_balance="5.00", cashback_expires_on=today + timedelta(10))
    RecallSettings.objects.create(org=org, cashback_minimum=Decimal("5"), cashback_window_days=10)
    assert names(org, "cashback") == ["C1"]


def test_hidden_numbers_opted_out_and_phoneless_customers_never_appear(org):
    today = shop_today()
    soon = {"cashback_balance": "50.00", "cashback_expires_on": today + timedelta(days=1)}
    add_customer(org, "ok", "Ana", ["31 98765-0001"], **soon)
    add_customer(org, "hidden", "Bia", ["31 98765-0009", "(31) 8765-0002"], **soon)
    add_customer(org, "optout", "Caio", ["31 98765-0003"], marketing_opt_out=True, **soon)
    add_customer(org, "nophone", "Duda", [], **soon)
    # Hidden in its 8-digit form: the customer's 9-digit phone is the same person.
    HiddenNumber.objects.create(org=org, e164="+5531987650002")
    assert names(org, "cashback") == ["ok"]


def test_inactivity_counts_days_in_the_shops_calendar_with_buckets(org):
    for external_id, days in (("d29", 29), ("d30", 30), ("d64", 64), ("d95", 95)):
        add_customer(org, external_id, phones=[f"31 98765-00{days:02d}"])
        add_sale(org, f"S-{external_id}", external_id, days)
    add_customer(org, "never", phones=["31 98765-1111"])
    add_sale(org, "S-old", "d30", 200, total="50.00")
    found = opportunities(org.pk, "inactivity")
    assert [o.customer.external_id for o in found] == ["d30", "d64", "d95"]
    assert [o.reason for o in found] == ["sem comprar há 30 dias", "sem comprar há 64 dias",
                                         "sem comprar há 95 dias"]
    assert [o.bucket for o in found] == [30, 60, 90]
    assert found[0].value == Decimal("150.00")  # everything the customer bought
    assert names(org, "inactivity", bucket=60) == ["d64", "d95"]
    assert names(org, "inactivity", bucket=90) == ["d95"]


def test_birthdays_from_today_to_six_days_ahead(org):
    today = shop_today()
    for offset in (-1, 0, 3, 6, 7):
        day = today + timedelta(days=offset)
        add_customer(org, f"b{offset}", phones=[f"31 98765-{offset + 10:04d}"],
                     birthday=day.replace(year=1990 if not (day.month == 2 and day.day == 29)
                                          else 1992))
    found = opportunities(org.pk, "birthday")
    assert [o.customer.external_id for o in found] == ["b0", "b3", "b6"]
    assert found[0].reason == "faz aniversário hoje"
    assert found[1].reason.startswith("faz aniversário n")
    RecallSettings.objects.create(org=org, birthday_enabled=False)
    assert names(org, "birthday") == []


def test_pages_follow_one_another_without_repeats(org):
    today = shop_today()
    for n in range(7):
        add_customer(org, f"C{n}", phones=[f"31 98765-{n:04d}"], cashback_balance="20.00",
                     cashback_expires_on=today + timedelta(days=n % 3))
    first = opportunities(org.pk, "cashback", limit=3)
    assert len(first) == 4
    second = opportunities(org.pk, "cashback", limit=3, after=first[2].sort)
    third = opportunities(org.pk, "cashback", limit=3, after=second[2].sort)
    seen = [o.customer.external_id for o in first[:3] + second[:3] + third]
    assert sorted(seen) == [f"C{n}" for n in range(7)]


def test_one_query_per_kind(org):
    today = shop_today()
    for n in range(20):
        add_customer(org, f"C{n}", phones=[f"31 98765-{n:04d}"], cashback_balance="20.00",
                     cashback_expires_on=today, birthday=today.replace(year=1990))
        add_sale(org, f"S{n}", f"C{n}", 40)
    settings = RecallSettings.for_org(org.pk)
    for kind in ("cashback", "inactivity", "birthday"):
        with CaptureQueriesContext(connection) as queries:
            found = opportunities(org.pk, kind, settings=settings)
        assert len(found) == 20
        assert len(queries) == 1, kind
