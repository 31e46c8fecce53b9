"""Upserting the ERP's customers and sales: idempotent, per-item results, phones canonical."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ponte.erp.models import Customer, CustomerPhone, Sale
from ponte.erp.queries import customers_for_phones, purchase_summary
from ponte.erp.services import do_upsert_customers, do_upsert_sales
from ponte.identity import canonicalize

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(make_tenant):
    return make_tenant().org


def customer(external_id="C1", **fields):
    return {"external_id": external_id, "name": "Maria Souza", **fields}


def outcomes(results):
    return [r.outcome for r in results]


def test_same_customer_twice_is_created_then_unchanged(org):
    item = customer(phones=["(31) 98765-4321"], cashback_balance="45.90", birthday="1990-04-01")
    assert outcomes(do_upsert_customers(org.pk, [item])) == ["created"]
    assert outcomes(do_upsert_customers(org.pk, [item])) == ["unchanged"]
    stored = Customer.objects.get(org=org, external_id="C1")
    assert stored.cashback_balance == Decimal("45.90")
    assert list(stored.phones.values_list("e164", "written")) == [
        ("+5531987654321", "(31) 98765-4321")]


def test_changed_field_is_updated_and_omitted_fields_become_empty(org):
    do_upsert_customers(org.pk, [customer(email="m@example.com", notes="VIP")])
    assert outcomes(do_upsert_customers(org.pk, [customer(email="m@example.com")])) == ["updated"]
    stored = Customer.objects.get(org=org, external_id="C1")
    assert stored.notes == "" and stored.email == "m@example.com"


def test_changed_phone_replaces_the_phones(org):
    do_upsert_customers(org.pk, [customer(phones=["31 8765-4321"])])
    results = do_upsert_customers(org.pk, [customer(phones=["(11) 91234-5678"])])
    assert outcomes(results) == ["updated"]
    assert list(CustomerPhone.objects.values_list("e164", flat=True)) == ["+5511912345678"]


def test_bad_item_is_rejected_with_why_and_the_good_ones_load(org):
    results = do_upsert_customers(org.pk, [
        customer("C1"),
        customer("C2", phones=["31 98765-4321", "abc"]),
        customer("C3", cashback_balance=45.9),
        {"external_id": "C4"},
        customer("C5", cashback_balance="45.901", photo_url="ftp://x/y.png"),
    ])
    assert outcomes(results) == ["created", "rejected", "rejected", "rejected", "rejected"]
    assert "abc" in results[1].errors[0].detail and results[1].errors[0].field == "phones"
    assert results[2].errors[0].field == "cashback_balance"
    assert '"45.90"' in results[2].errors[0].detail
    assert results[3].errors[0].field == "name"
    assert {p.field for p in results[4].errors} == {"cashback_balance", "photo_url"}
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["C1"]


def test_duplicate_phones_within_a_customer_collapse(org):
    do_upsert_customers(org.pk, [customer(phones=["(31) 98765-4321", "+55 31 8765-4321",
                                                  "5531987654321"])])
    assert CustomerPhone.objects.count() == 1


@pytest.mark.parametrize("written", ["(31) 98765-4321", "31 8765-4321", "+55 (31) 9 8765-4321",
                                     "031 98765 4321", "553187654321"])
def test_brazilian_phone_forms_find_the_customer_from_the_whatsapp_jid(org, written):
    do_upsert_customers(org.pk, [customer(phones=[written])])
    for jid in ("553187654321@c.us", "5531987654321@s.whatsapp.net"):
        found = customers_for_phones(org.pk, [canonicalize(jid).e164])
        assert [c.external_id for c in found] == ["C1"]


def test_two_customers_sharing_a_phone_are_both_found(org):
    do_upsert_customers(org.pk, [customer("C1", phones=["31 98765-4321"]),
                                 customer("C2", name="João Souza", phones=["(31) 98765-4321"])])
    found = customers_for_phones(org.pk, ["+5531987654321"])
    assert sorted(c.external_id for c in found) == ["C1", "C2"]


def test_sale_arriving_before_its_customer_is_linked_when_the_customer_arrives(org):
    sale = {"external_id": "V1", "customer_external_id": "C1", "date": "2026-03-10",
            "total": "199.90"}
    assert outcomes(do_upsert_sales(org.pk, [sale])) == ["created"]
    assert Sale.objects.get().customer is None
    do_upsert_customers(org.pk, [customer("C1")])
    stored = Sale.objects.get()
    assert stored.customer.external_id == "C1"
    assert stored.date == datetime(2026, 3, 10, tzinfo=ZoneInfo("America/Sao_Paulo"))
    assert outcomes(do_upsert_sales(org.pk, [sale])) == ["unchanged"]
    summary = purchase_summary(stored.customer)
    assert summary.total_spent == Decimal("199.90") and summary.purchases == 1


def test_money_is_never_a_float(org):
    results = do_upsert_sales(org.pk, [{"external_id": "V1", "customer_external_id": "C1",
                                        "date": "2026-03-10", "total": 0.1}])
    assert results[0].outcome == "rejected"
    do_upsert_sales(org.pk, [{"external_id": "V2", "customer_external_id": "C1",
                              "date": "2026-03-10T15:30:00-03:00", "total": "0.10"}])
    assert isinstance(Sale.objects.get().total, Decimal)


def test_hostile_strings_are_stored_as_text(org):
    hostile = "<script>alert(1)</script>'; DROP TABLE erp_customer; --"
    do_upsert_customers(org.pk, [customer("x'\"<b>", name=hostile, notes=hostile)])
    stored = Customer.objects.get()
    assert stored.name == hostile and stored.external_id == "x'\"<b>"


def test_another_organizations_customers_are_separate(org, make_tenant):
    other = make_tenant(name="Outra").org
    do_upsert_customers(org.pk, [customer(phones=["31 98765-4321"])])
    assert outcomes(do_upsert_customers(other.pk, [customer()])) == ["created"]
    assert customers_for_phones(other.pk, ["+5531987654321"]) == []


def test_an_external_id_repeated_in_one_batch_is_rejected_after_its_first(org):
    results = do_upsert_customers(org.pk, [customer("C1"), customer("C1", name="Outra")])
    assert outcomes(results) == ["created", "rejected"]
    assert "item 1" in results[1].errors[0].detail
    assert Customer.objects.get().name == "Maria Souza"


def test_an_unknown_field_is_named_instead_of_emptying_the_real_one(org):
    results = do_upsert_customers(org.pk, [customer(phone="31 98765-4321")])
    assert results[0].outcome == "rejected" and results[0].errors[0].field == "phone"
