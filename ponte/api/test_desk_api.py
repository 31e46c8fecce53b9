"""A conversation's status, assignee and labels through the REST API, and its timeline."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from ponte.accounts.models import Member
from ponte.api.test_privacy_api import Api
from ponte.conversations.models import Conversation
from ponte.desk.models import ConversationEvent, Notification
from ponte.desk.notifications import notification_text
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_tenant):
    return make_tenant()


@pytest.fixture
def chat(shop) -> Conversation:
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "oi")
    return chat


def caio(tenant):
    user = get_user_model().objects.create_user("caio@loja.test", email="caio@loja.test",
                                                password="x", first_name="Caio")
    Member.objects.create(org=tenant.org, user=user)
    return user


def test_a_conversation_shows_its_status_assignee_and_labels(shop, chat):
    listed = Api(shop).get("/conversations").json()["items"][0]

    assert (listed["status"], listed["snoozed_until"], listed["assignee"], listed["labels"]) == (
        "open", None, None, [])


def test_one_patch_snoozes_assigns_and_labels_a_conversation(shop, chat):
    user = caio(shop)
    until = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)

    answer = Api(shop).patch(f"/conversations/{chat.pk}", {
        "status": "snoozed", "snoozed_until": until.isoformat(), "assignee_id": user.pk,
        "note": "ligar depois do almoço", "labels": ["Troca", "Atacado"]})

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "snoozed"
    assert datetime.fromisoformat(body["snoozed_until"]) == until
    assert body["assignee"] == {"id": user.pk, "name": "Caio"}
    assert body["labels"] == [{"name": "Atacado", "colour": "#64748b"},
                              {"name": "Troca", "colour": "#64748b"}]
    assert {e.actor_name for e in ConversationEvent.objects.all()} == {
        "Chave de API “ponte init”"}
    assert notification_text(Notification.objects.get(user=user)).startswith(
        "Chave de API “ponte init” atribuiu a você")
    assert ConversationEvent.objects.get(kind="assigned").data["note"] == "ligar depois do almoço"
    assert Api(shop).get(f"/conversations/{chat.pk}").json()["assignee"]["name"] == "Caio"


def test_fields_left_out_stay_and_null_unassigns(shop, chat):
    user = caio(shop)
    Conversation.objects.filter(pk=chat.pk).update(assignee=user, status="pending")

    body = Api(shop).patch(f"/conversations/{chat.pk}", {"assignee_id": None}).json()

    assert (body["status"], body["assignee"]) == ("pending", None)


@pytest.mark.parametrize(("change", "status", "error"), [
    ({"status": "archived"}, 422, "invalid"),
    ({"status": "snoozed"}, 422, "snooze_needs_time"),
    ({"snoozed_until": "2020-01-01T09:00:00-03:00"}, 422, "snooze_in_the_past"),
    ({"status": "resolved", "assignee_id": 999999}, 422, "invalid_assignee"),
    ({"status": "resolved", "labels": ["  "]}, 400, "label_blank"),
])
def test_bad_values_change_nothing_and_say_why(shop, chat, change, status, error):
    answer = Api(shop).patch(f"/conversations/{chat.pk}", change)

    assert answer.status_code == status
    assert answer.json()["error"] == error and answer.json()["detail"]
    assert Conversation.objects.get(pk=chat.pk).status == "open"
    assert not ConversationEvent.objects.exists()


def test_another_organizations_conversation_is_not_found(shop, make_tenant):
    other = make_tenant(name="Outra")
    foreign = add_chat(other, "+5531987654321", "Segredo")

    assert Api(shop).patch(f"/conversations/{foreign.pk}", {"status": "resolved"}).status_code \
        == 404
    assert Api(shop).get(f"/conversations/{foreign.pk}/events").status_code == 404
    assert Conversation.objects.get(pk=foreign.pk).status == "open"


def test_the_timeline_comes_newest_first_in_pages(shop, chat):
    api = Api(shop)
    for status in ("pending", "resolved", "open"):
        api.patch(f"/conversations/{chat.pk}", {"status": status})

    first = api.get(f"/conversations/{chat.pk}/events", {"limit": 2}).json()
    rest = api.get(f"/conversations/{chat.pk}/events",
                   {"limit": 2, "before": first["next_before"]}).json()

    assert [e["data"]["to"] for e in first["items"] + rest["items"]] == [
        "open", "resolved", "pending"]
    assert rest["next_before"] is None
    assert first["items"][0]["kind"] == "status" and first["items"][0]["actor_id"] is None
    assert api.get(f"/conversations/{chat.pk}/events", {"before": "x"}).status_code == 400


def test_the_openapi_document_describes_the_patch(shop):
    schema = Api(shop).client.get("/api/v1/openapi.json").json()

    assert "patch" in schema["paths"]["/api/v1/conversations/{conversation_id}"]
    assert "/api/v1/conversations/{conversation_id}/events" in schema["paths"]


