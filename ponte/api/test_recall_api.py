"""GET /api/v1/recall and /recall/results: the Marketing page's opportunities and results."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ponte.api.test_privacy_api import Api
from ponte.erp.services import do_upsert_customers, do_upsert_sales
from ponte.marketing.models import Recall
from ponte.marketing.opportunities import opportunities, shop_today
from ponte.marketing.tracking import do_mark_recall_sent, do_open_recall
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(make_tenant):
    return make_tenant()


def add_customers(tenant, count: int) -> None:
    soon = str(shop_today() + timedelta(days=2))
    do_upsert_customers(tenant.org.pk, [
        {"external_id": f"C{n}", "name": f"Cliente {n}", "phones": [f"31 98765-{n:04d}"],
         "cashback_balance": "45.90", "cashback_expires_on": soon} for n in range(count)])


def test_cashback_opportunities_are_paged_with_the_reminder_and_deep_link(tenant):
    add_customers(tenant, 3)
    api = Api(tenant)
    first = api.get("/recall", {"kind": "cashback", "limit": 2}).json()
    assert [i["customer"]["external_id"] for i in first["items"]] == ["C0", "C1"]
    item = first["items"][0]
    assert item["kind"] == "cashback" and item["value"] == "45.90"
    assert item["reason"] == "R$ 45,90 de cashback vencem em 2 dias"
    assert item["customer"]["e164"] == "+5531987650000"
    assert item["message"].startswith("Oi, Cliente! Você tem R$ 45,90 de cashback")
    assert item["deep_link"].startswith("/chat/?phone=%2B5531987650000&text=Oi%2C+Cliente")
    second = api.get("/recall", {"kind": "cashback", "limit": 2,
                                 "before": first["next_before"]}).json()
    assert [i["customer"]["external_id"] for i in second["items"]] == ["C2"]
    assert second["next_before"] is None


def test_bad_kind_and_cursor_are_refused(tenant):
    api = Api(tenant)
    assert api.get("/recall", {"kind": "spam"}).status_code == 422
    bad = api.get("/recall", {"kind": "cashback", "before": "nonsense"})
    assert bad.status_code == 400 and bad.json()["error"]


def test_results_show_the_reply_and_the_sales_after_the_reminder(tenant):
    add_customers(tenant, 1)
    opportunity = opportunities(tenant.org.pk, "cashback")[0]
    recall = do_open_recall(tenant.org.pk, opportunity)
    chat = add_chat(tenant, "+5531987650000", "Cliente 0")
    sent = add_message(chat, opportunity.message, direction="out", minutes_ago=10)
    assert do_mark_recall_sent(recall.pk, sent)
    add_message(chat, "quero usar!", minutes_ago=5)
    do_upsert_sales(tenant.org.pk, [{"external_id": "S1", "customer_external_id": "C0",
                                     "date": timezone.now().isoformat(), "total": "320.00"}])
    found = Api(tenant).get("/recall/results").json()
    assert (found["sent"], found["replied"], found["bought"]) == (1, 1, 1)
    assert found["sales_total"] == "320.00"
    assert found["items"][0]["replied_at"] and found["items"][0]["purchases"] == 1
    assert Recall.objects.get().sent_message == sent


def test_recall_is_in_the_openapi_document(tenant):
    paths = Api(tenant).client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/recall" in paths and "/api/v1/recall/results" in paths


@pytest.mark.parametrize("kind", ["cashback", "inactivity", "birthday"])
def test_a_forged_cursor_far_in_the_future_is_an_empty_page(tenant, kind):
    from ponte.api import cursors
    forged = cursors.encode(2**62, 1)
    answer = Api(tenant).get("/recall", {"kind": kind, "before": forged})
    assert answer.status_code == 200 and answer.json()["items"] == []
