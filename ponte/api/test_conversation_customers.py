"""GET /api/v1/conversations/{id} names the ERP customers behind the chat's phone."""

import pytest
from django.test import Client

from ponte.api.test_api import bearer, store
from ponte.erp.chat import do_choose_customer
from ponte.erp.models import Customer
from ponte.erp.services import do_upsert_customers, do_upsert_sales

pytestmark = pytest.mark.django_db


def conversation(tenant, chat_id: int) -> dict:
    response = Client().get(f"/api/v1/conversations/{chat_id}", headers=bearer(tenant.api_key))
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(("stored", "jid"), [
    ("31 8765-4321", "5531987654321@c.us"),  # 8-digit record, 9-digit JID
    ("(31) 98765-4321", "553187654321@c.us"),  # 9-digit record, legacy 8-digit JID
])
def test_the_customer_is_found_whatever_form_the_erp_and_whatsapp_wrote(make_tenant, stored,
                                                                       jid):
    tenant = make_tenant()
    do_upsert_customers(tenant.org.pk, [{
        "external_id": "C1", "name": "Ana Souza", "phones": [stored],
        "cashback_balance": "45.90", "cashback_expires_on": "2026-12-10"}])
    do_upsert_sales(tenant.org.pk, [
        {"external_id": "V1", "customer_external_id": "C1", "date": "2026-11-01",
         "total": "1000.00"},
        {"external_id": "V2", "customer_external_id": "C1", "date": "2026-11-20",
         "total": "234.56"}])
    chat = store(tenant.instance, jid, "A", 1).conversation

    [customer] = conversation(tenant, chat.pk)["customers"]

    assert customer["external_id"] == "C1" and customer["name"] == "Ana Souza"
    assert customer["cashback_balance"] == "45.90"  # money as a decimal string
    assert customer["cashback_expires_on"] == "2026-12-10"
    assert customer["total_spent"] == "1234.56" and customer["purchases"] == 2
    assert customer["last_purchase_at"].startswith("2026-11-20")
    assert customer["chosen"] is False


def test_customers_sharing_the_phone_are_all_listed_and_the_chosen_one_says_so(make_tenant):
    tenant = make_tenant()
    do_upsert_customers(tenant.org.pk, [
        {"external_id": "C1", "name": "Bruno Lima", "phones": ["(11) 99876-5432"]},
        {"external_id": "C2", "name": "Marina Lima", "phones": ["11 99876 5432"]}])
    chat = store(tenant.instance, "5511998765432@c.us", "A", 1).conversation
    assert [c["chosen"] for c in conversation(tenant, chat.pk)["customers"]] == [False, False]

    do_choose_customer(tenant.org.pk, chat.pk, Customer.objects.get(external_id="C2"))

    listed = conversation(tenant, chat.pk)["customers"]
    assert [(c["external_id"], c["chosen"]) for c in listed] == [("C2", True), ("C1", False)]


def test_no_customer_and_another_shops_customer_give_an_empty_list(make_tenant):
    tenant, other = make_tenant(), make_tenant(name="Outra")
    do_upsert_customers(other.org.pk, [
        {"external_id": "C1", "name": "Alheio", "phones": ["(31) 98765-4321"]}])
    chat = store(tenant.instance, "5531987654321@c.us", "A", 1).conversation
    assert conversation(tenant, chat.pk)["customers"] == []
    listed = Client().get("/api/v1/conversations", headers=bearer(tenant.api_key)).json()
    assert "customers" not in listed["items"][0]


def test_the_customers_are_in_the_openapi_document():
    document = Client().get("/api/v1/openapi.json").json()
    detail = document["components"]["schemas"]["ConversationDetailOut"]
    assert "customers" in detail["properties"]
    customer = document["components"]["schemas"]["ChatCustomerOut"]["properties"]
    assert customer["total_spent"]["type"] == "string"
