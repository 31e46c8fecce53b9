"""The shop's ERP records and privacy: an LGPD request covers them, a hide keeps them."""

import pytest

from ponte.erp.models import Customer, CustomerPhone, Sale
from ponte.erp.services import do_upsert_customers, do_upsert_sales
from ponte.privacy.services import Actor, do_erase_person, do_export_person, do_hide_number
from ponte.privacy.sweep import erase_hidden_leftovers

pytestmark = pytest.mark.django_db(transaction=True)

OWNER = Actor(None, "dono@loja.com.br")
E164 = "+5531987654321"


@pytest.fixture
def org(make_tenant):
    org = make_tenant().org
    do_upsert_customers(org.pk, [
        {"external_id": "C1", "name": "Maria Souza", "phones": ["31 8765-4321", "(31) 3222-1100"],
         "cashback_balance": "45.90"},
        {"external_id": "C2", "name": "Outra Pessoa", "phones": ["(11) 91234-5678"]},
    ])
    do_upsert_sales(org.pk, [
        {"external_id": "V1", "customer_external_id": "C1", "date": "2026-03-10",
         "total": "199.90", "items": "Vestido azul"},
        {"external_id": "V2", "customer_external_id": "C2", "date": "2026-03-11",
         "total": "10.00"},
    ])
    return org


def test_lgpd_export_of_a_phone_includes_the_customer_and_their_sales(org):
    exported = do_export_person(org.pk, E164, OWNER)
    assert [c["external_id"] for c in exported["erp_customers"]] == ["C1"]
    assert [s["external_id"] for s in exported["erp_sales"]] == ["V1"]
    assert {p["written"] for p in exported["erp_customer_phones"]} == {
        "31 8765-4321", "(31) 3222-1100"}


def test_lgpd_erase_removes_the_customer_its_phones_and_sales_only(org):
    counts = do_erase_person(org.pk, E164, OWNER)
    assert counts["erp_customers"] == 1 and counts["erp_sales"] == 1
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["C2"]
    assert list(Sale.objects.values_list("external_id", flat=True)) == ["V2"]
    assert CustomerPhone.objects.count() == 1


def test_hiding_a_number_leaves_the_erp_records_intact(org):
    do_hide_number(org.pk, E164, OWNER)
    erase_hidden_leftovers()
    assert Customer.objects.count() == 2 and Sale.objects.count() == 2
    assert CustomerPhone.objects.filter(e164=E164).exists()
