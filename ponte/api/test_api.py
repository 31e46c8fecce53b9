"""The REST API: scoped by organization, keyset-paginated, never leaks across tenants."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client

from ponte.api import cursors
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


def test_every_conversation_is_reached_by_following_next_before(make_tenant):
    tenant = make_tenant()
    phones = [f"55319876543{n:02d}@c.us" for n in range(7)]
    for n, phone in enumerate(phones):
        store(tenant.instance, phone, f"A{n}", minute=n // 3)  # three share each minute
    silent = Conversation.objects.order_by("id").first()
    silent.messages.all().delete()
    silent.refresh_last_message()  # a chat whose messages all went: no activity at all
    client, seen, before = Client(), [], None
    while True:
        params = {"limit": 2} | ({"before": before} if before else {})
        page = client.get("/api/v1/conversations", params, headers=bearer(tenant.api_key)).json()
        assert len(page["items"]) <= 2
        seen += [chat["id"] for chat in page["items"]]
        before = page["next_before"]
        if before is None:
            break
    assert len(seen) == len(set(seen)) == 7
    assert seen[-1] == silent.pk
    listed = client.get("/api/v1/conversations", {"limit": 200},
                        headers=bearer(tenant.api_key)).json()
    assert [chat["id"] for chat in listed["items"]] == seen and listed["next_before"] is None


@pytest.mark.parametrize("path", ["/api/v1/conversations", "/api/v1/conversations/{id}/messages",
                                  "/api/v1/instance/diagnostics", "/api/v1/messages?q=oi"])
@pytest.mark.parametrize("before", [
    "²", "abc", "%%%", "W10", "9" * 50, "-1", "x" * 5000, "WyJ4Il0", "eyJhIjoxfQ",
    cursors.encode("2026-01-01T00:00:00", 1), cursors.encode(0, 0), cursors.encode(1, 2, 3),
    cursors.encode(None, 2**64), b"\xed\xa0\x80", "W1syXV0", "[" * 1000,
])
def test_a_cursor_we_did_not_give_is_a_400_not_a_500(make_tenant, path, before):
    tenant = make_tenant()
    store(tenant.instance, "5531987654321@c.us", "A", 1)
    url = path.format(id=Conversation.objects.get().pk)
    query = urlencode({"before": before})  # bytes: a lone surrogate, as UTF-8 would write it
    response = Client().get(f"{url}{'&' if '?' in url else '?'}{query}",
                            headers=bearer(tenant.api_key))
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "bad_cursor"
    assert "next_before" in response.json()["detail"]


def test_a_message_cursor_still_follows_after_its_message_is_gone(make_tenant):
    tenant = make_tenant()
    for minute in range(4):
        store(tenant.instance, "5531987654321@c.us", f"M{minute}", minute, f"m{minute}")
    chat = Conversation.objects.get()
    url, client = f"/api/v1/conversations/{chat.pk}/messages", Client()
    first = client.get(url, {"limit": 2}, headers=bearer(tenant.api_key)).json()
    chat.messages.filter(engine_message_id="M2").delete()
    rest = client.get(url, {"limit": 2, "before": first["next_before"]},
                      headers=bearer(tenant.api_key)).json()
    assert [m["text"] for m in rest["items"]] == ["m1", "m0"]
    legacy = client.get(url, {"before": first["items"][0]["id"]}, headers=bearer(tenant.api_key))
    assert [m["text"] for m in legacy.json()["items"]] == ["m1", "m0"]


@pytest.mark.parametrize("phone", ["(31) 98765-4321", "+55 31 98765-4321", "031987654321",
                                   "5531987654321@c.us", "553187654321@s.whatsapp.net"])
def test_conversations_filter_by_phone_in_any_form(make_tenant, phone):
    tenant = make_tenant()
    store(tenant.instance, "5531987654321@c.us", "A", 1)
    store(tenant.instance, "5511998765432@c.us", "B", 2)
    page = Client().get("/api/v1/conversations", {"phone": phone},
                        headers=bearer(tenant.api_key)).json()
    assert [c["contact"]["e164"] for c in page["items"]] == ["+5531987654321"]


def test_an_unreadable_phone_filter_is_a_400_and_a_blank_one_filters_nothing(make_tenant):
    tenant = make_tenant()
    store(tenant.instance, "5531987654321@c.us", "A", 1)
    client = Client()
    response = client.get("/api/v1/conversations", {"phone": "amanhã"},
                          headers=bearer(tenant.api_key))
    assert response.status_code == 400 and response.json()["error"] == "invalid_phone"
    blank = client.get("/api/v1/conversations", {"phone": " "}, headers=bearer(tenant.api_key))
    assert len(blank.json()["items"]) == 1


def test_conversations_filter_unread(make_tenant):
    tenant = make_tenant()
    store(tenant.instance, "5531987654321@c.us", "A", 1)
    store(tenant.instance, "5511998765432@c.us", "B", 2)
    Conversation.objects.filter(contact__e164="+5511998765432").update(unread_count=0)
    page = Client().get("/api/v1/conversations", {"unread": "true"},
                        headers=bearer(tenant.api_key)).json()
    assert [c["contact"]["e164"] for c in page["items"]] == ["+5531987654321"]


def test_one_conversation_by_id_and_404_for_another_organizations(make_tenant):
    ours, theirs = make_tenant(name="Nossa"), make_tenant(name="Deles")
    store(ours.instance, "5531987654321@c.us", "A", 1, "olá")
    chat = Conversation.objects.get()
    client = Client()
    mine = client.get(f"/api/v1/conversations/{chat.pk}", headers=bearer(ours.api_key)).json()
    assert mine["contact"]["e164"] == "+5531987654321"
    assert mine["last_message"]["text"] == "olá"
    other = client.get(f"/api/v1/conversations/{chat.pk}", headers=bearer(theirs.api_key))
    assert other.status_code == 404
    assert other.json() == {"error": "not_found", "detail": "No such conversation."}


def test_inbound_messages_are_received_not_sent(make_tenant):
    tenant = make_tenant()
    message = store(tenant.instance, "5531987654321@c.us", "A", 1)
    chat = Conversation.objects.get()
    client, headers = Client(), bearer(tenant.api_key)
    listed = client.get(f"/api/v1/conversations/{chat.pk}/messages", headers=headers).json()
    assert [m["status"] for m in listed["items"]] == ["received"]
    assert client.get("/api/v1/conversations", headers=headers).json()["items"][0][
        "last_message"]["status"] == "received"
    message_id = listed["items"][0]["id"]
    assert client.get(f"/api/v1/messages/{message_id}", headers=headers).json()[
        "status"] == "received"
    assert message is not None


@pytest.mark.parametrize(("params", "field"), [
    ({"limit": "abc"}, "limit"), ({"limit": 999}, "limit"), ({"unread": "maybe"}, "unread")])
def test_an_invalid_parameter_is_a_422_listing_the_field(make_tenant, params, field):
    tenant = make_tenant()
    response = Client().get("/api/v1/conversations", params, headers=bearer(tenant.api_key))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid"
    assert [error["field"] for error in body["detail"]] == [field]
    assert "'loc'" not in response.content.decode() and "(" not in body["detail"][0]["message"]


def test_a_send_missing_its_text_is_a_422_naming_the_body_fields(make_tenant):
    tenant = make_tenant()
    response = Client().post("/api/v1/messages", data={"to": 5},
                             content_type="application/json", headers=bearer(tenant.api_key))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert {error["field"] for error in detail} == {"to", "text"}
    assert all(isinstance(error["message"], str) and error["message"] for error in detail)


def test_openapi_documents_401_and_422_and_a_description_for_every_operation():
    document = Client().get("/api/v1/openapi.json").json()
    operations = [(path, method, operation) for path, methods in document["paths"].items()
                  for method, operation in methods.items()]
    assert len(operations) >= 10
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        assert operation.get("description"), where
        for status in ("401", "422"):
            assert operation["responses"][status]["description"], where
            assert "content" in operation["responses"][status], where
    assert "/api/v1/conversations/{conversation_id}" in document["paths"]
    listing = document["paths"]["/api/v1/conversations"]["get"]
    assert {"before", "limit", "phone", "unread"} <= {p["name"] for p in listing["parameters"]}
    pages = [name for name, schema in document["components"]["schemas"].items()
             if name.endswith("Page")]
    for name in pages:
        assert document["components"]["schemas"][name]["properties"]["next_before"]


def test_docs_page_and_its_assets_come_from_our_own_host():
    client = Client()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "://" not in html and "cdn" not in html.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert int(response.headers.get("Content-Length") or len(response.content)) > 0, asset
    assert '"validatorUrl": null' in html


def test_messages_are_found_by_their_words_across_conversations_page_by_page(make_tenant):
    tenant, other = make_tenant(), make_tenant()
    store(tenant.instance, "5531987654321@c.us", "A", 1, "Vocês entregam em Contagem?")
    store(tenant.instance, "5511912345678@c.us", "B", 2, "a entrega chegou rápido")
    store(tenant.instance, "5511912345678@c.us", "C", 3, "obrigada!")
    store(other.instance, "5531987654321@c.us", "D", 1, "entrega de outra loja")
    client = Client(headers=bearer(tenant.api_key))

    first = client.get("/api/v1/messages", {"q": "ENTREG", "limit": 1}).json()
    second = client.get("/api/v1/messages", {"q": "ENTREG", "limit": 1,
                                             "before": first["next_before"]}).json()

    assert [m["text"] for m in first["items"]] == ["a entrega chegou rápido"]
    assert [m["text"] for m in second["items"]] == ["Vocês entregam em Contagem?"]
    assert second["next_before"] is None
    assert first["items"][0]["conversation_id"] != second["items"][0]["conversation_id"]
    assert client.get("/api/v1/messages", {"q": "rapido entrega"}).json()["items"][0]["id"] \
        == first["items"][0]["id"]
    assert client.get("/api/v1/messages", {"q": "outra loja"}).json()["items"] == []


@pytest.mark.parametrize("q", ["", "?!", '" OR 1=1 --', "\x00", "tênis*:"])
def test_a_search_without_words_finds_nothing_and_never_fails(make_tenant, q):
    tenant = make_tenant()
    store(tenant.instance, "5531987654321@c.us", "A", 1, "o tênis chegou")

    response = Client().get("/api/v1/messages", {"q": q}, headers=bearer(tenant.api_key))

    assert response.status_code == 200, response.content
    assert [m["text"] for m in response.json()["items"]] in ([], ["o tênis chegou"])
