"""The REST API: scoped by organization, keyset-paginated, never leaks across tenants."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from ponte.conversations.models import Conversation
from ponte.conversations.storing import do_store_inbound
from ponte.engines import InboundMessage
from ponte.identity import canonicalize

pytestmark = pytest.mark.django_db


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def store(instance, phone: str, message_id: str, minute: int, text: str = "oi"):
    who = canonicalize(phone)
    return do_store_inbound(instance, InboundMessage(
        engine_message_id=message_id, chat=who, sender=who, text=text,
        timestamp=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minute)))


def test_missing_or_wrong_key_gets_401_json(make_tenant):
    make_tenant()
    client = Client()
    for headers in ({}, bearer("pk_nope.nope"), bearer("")):
        response = client.get("/api/v1/conversations", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"


def test_conversations_show_contact_last_message_and_unread(make_tenant):
    tenant = make_tenant()
    store(tenant.instance, "5531987654321@c.us", "A", 1, "primeira")
    store(tenant.instance, "553187654321@c.us", "B", 2, "segunda")
    store(tenant.instance, "5511998765432@c.us", "C", 0, "outra")
    items = Client().get("/api/v1/conversations", headers=bearer(tenant.api_key)).json()["items"]
    assert [c["contact"]["e164"] for c in items] == ["+5531987654321", "+5511998765432"]
    assert items[0]["last_message"]["text"] == "segunda"
    assert items[0]["unread_count"] == 2


def test_messages_are_newest_first_with_keyset_pagination(make_tenant):
    tenant = make_tenant()
    for minute in range(7):
        store(tenant.instance, "5531987654321@c.us", f"M{minute}", minute, f"m{minute}")
    chat = Conversation.objects.get()
    client = Client()
    url = f"/api/v1/conversations/{chat.pk}/messages"
    seen, before = [], None
    while True:
        params = {"limit": 3} | ({"before": before} if before else {})
        page = client.get(url, params, headers=bearer(tenant.api_key)).json()
        seen += [m["text"] for m in page["items"]]
        before = page["next_before"]
        if before is None:
            break
    assert seen == [f"m{n}" for n in range(6, -1, -1)]


def test_another_organizations_key_gets_404_for_every_id(make_tenant):
    ours, theirs = make_tenant(name="Nossa"), make_tenant(name="Deles")
    store(ours.instance, "5531987654321@c.us", "A", 1)
    chat = Conversation.objects.get()
    client = Client()
    response = client.get(f"/api/v1/conversations/{chat.pk}/messages",
                          headers=bearer(theirs.api_key))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    listed = client.get("/api/v1/conversations", headers=bearer(theirs.api_key)).json()
    assert listed["items"] == []


def test_openapi_document_is_served(make_tenant):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/conversations" in response.json()["paths"]
