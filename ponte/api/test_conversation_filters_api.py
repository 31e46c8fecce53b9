"""GET /api/v1/conversations filtered as the inbox is: status, assignee, label, search."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ponte.api.test_api import bearer, store
from ponte.conversations.models import Conversation
from ponte.desk.labels import do_set_labels

pytestmark = pytest.mark.django_db


def listed(tenant, **params) -> list[str]:
    answer = Client().get("/api/v1/conversations", params, headers=bearer(tenant.api_key))
    assert answer.status_code == 200, answer.content
    return [item["contact"]["e164"] for item in answer.json()["items"]]


@pytest.fixture
def three(make_tenant):
    tenant = make_tenant()
    store(tenant.instance, "5531900000001@c.us", "A", 1, "quero trocar o tênis")
    store(tenant.instance, "5531900000002@c.us", "B", 2, "qual o prazo de entrega?")
    store(tenant.instance, "5531900000003@c.us", "C", 3, "bom dia")
    chats = {c.contact.e164[-1]: c for c in Conversation.objects.select_related("contact")}
    return tenant, chats


def test_status_filter_keeps_only_those_states(three):
    tenant, chats = three
    Conversation.objects.filter(pk=chats["2"].pk).update(status="resolved")
    Conversation.objects.filter(pk=chats["3"].pk).update(status="pending")
    assert listed(tenant, status="resolved") == ["+5531900000002"]
    assert listed(tenant, status="open,pending") == ["+5531900000003", "+5531900000001"]
    answer = Client().get("/api/v1/conversations", {"status": "fechada"},
                          headers=bearer(tenant.api_key))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_status"


def test_assignee_filter_by_user_id_or_none(three):
    tenant, chats = three
    someone = get_user_model().objects.create_user("ana@loja.test", "ana@loja.test", "x")
    Conversation.objects.filter(pk=chats["1"].pk).update(assignee=someone)
    assert listed(tenant, assignee=str(someone.pk)) == ["+5531900000001"]
    assert listed(tenant, assignee="none") == ["+5531900000003", "+5531900000002"]
    answer = Client().get("/api/v1/conversations", {"assignee": "ana"},
                          headers=bearer(tenant.api_key))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_assignee"


def test_label_filter_by_name_ignoring_capitals(three):
    tenant, chats = three
    do_set_labels(chats["1"], ["Troca"])
    do_set_labels(chats["3"], ["Troca", "Atacado"])
    assert listed(tenant, label="troca") == ["+5531900000003", "+5531900000001"]
    assert listed(tenant, label="Atacado") == ["+5531900000003"]
    assert listed(tenant, label="Nenhuma") == []


def test_search_finds_chats_by_contact_or_by_a_message_word(three):
    tenant, _ = three
    assert listed(tenant, q="entrega") == ["+5531900000002"]
    assert listed(tenant, q="tenis") == ["+5531900000001"]
    assert listed(tenant, q="+55 (31) 90000-0003") == ["+5531900000003"]
    assert listed(tenant, q="sapato") == []


def test_filtered_pages_reach_every_chat_once(make_tenant):
    tenant = make_tenant()
    for n in range(7):
        store(tenant.instance, f"553190000001{n}@c.us", f"M{n}", n, "oi de novo")
    client, seen, before = Client(), [], None
    while True:
        params = {"limit": 3, "q": "novo", "status": "open"} | ({"before": before} if before
                                                               else {})
        page = client.get("/api/v1/conversations", params, headers=bearer(tenant.api_key)).json()
        seen += [item["id"] for item in page["items"]]
        before = page["next_before"]
        if not before:
            break
    assert sorted(seen) == sorted(Conversation.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen)) == 7


def test_filters_are_in_the_openapi_document(make_tenant):
    schema = Client().get("/api/v1/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/conversations"]["get"]["parameters"]}
    for name in ("status", "assignee", "label", "q"):
        assert params[name]["description"]
