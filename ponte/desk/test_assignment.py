"""An attendant assigns a chat to a colleague (with a note), takes it, or leaves it with
nobody; the colleague is told, and the timeline says who did what."""

import pytest
from django.contrib.auth import get_user_model

from ponte import realtime
from ponte.accounts.models import Member, Role
from ponte.conversations.models import Conversation
from ponte.desk.assignment import check_assignee, do_assign_to
from ponte.desk.models import ConversationEvent, Notification
from ponte.desk.notifications import notification_text
from ponte.errors import Refused
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_tenant, client):
    tenant = make_tenant()
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    return tenant


@pytest.fixture
def bia(shop):
    user = shop.org.members.get().user
    user.first_name, user.last_name = "Bia", "Souza"
    user.save()
    return user


def colleague(tenant, first_name: str, role: str = Role.AGENT):
    user = get_user_model().objects.create_user(f"{first_name.lower()}@loja.test",
                                                email=f"{first_name.lower()}@loja.test",
                                                password="s3nha-forte", first_name=first_name)
    Member.objects.create(org=tenant.org, user=user, role=role)
    return user


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, dict]]:
    events: list[tuple[str, dict]] = []
    monkeypatch.setattr(realtime, "publish", lambda org, kind, data: events.append((kind, data)))
    return events


def test_assigning_a_chat_tells_the_new_attendant_and_every_tab(
        shop, bia, published, django_capture_on_commit_callbacks):
    caio = colleague(shop, "Caio")
    chat = add_chat(shop, "+5531987654321", "Ana")

    with django_capture_on_commit_callbacks(execute=True):
        assert do_assign_to(chat, caio, bia, "  cliente VIP,\n quer desconto ") is True

    assert Conversation.objects.get(pk=chat.pk).assignee == caio
    [event] = ConversationEvent.objects.filter(conversation=chat)
    assert (event.kind, event.actor_name) == ("assigned", "Bia Souza")
    assert event.data == {"from_id": None, "to_id": caio.pk, "to_name": "Caio",
                          "note": "cliente VIP, quer desconto"}
    [told] = Notification.objects.filter(user=caio)
    assert (told.kind, told.conversation_id) == ("assigned", chat.pk)
    assert notification_text(told) == "Bia Souza atribuiu a você a conversa com Ana"
    assert ("conversation.assigned", {"conversation_id": chat.pk, "assignee_id": caio.pk,
                                      "event_id": event.pk}) in published
    assert ("notification.new", {"user_id": caio.pk}) in published


def test_taking_a_chat_oneself_is_no_notification(shop, bia, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "oi")

    client.post(f"/conversations/{chat.pk}/assign/")  # "Assumir"

    assert Conversation.objects.get(pk=chat.pk).assignee == bia
    assert not Notification.objects.exists()
    history = client.get(f"/conversations/{chat.pk}/history/").content.decode()
    assert "Bia Souza</bdi> assumiu" in history
    client.post(f"/conversations/{chat.pk}/assign/")  # "Liberar"
    assert Conversation.objects.get(pk=chat.pk).assignee is None
    assert ConversationEvent.objects.latest("pk").data == {"from_id": bia.pk,
                                                           "from_name": "Bia Souza"}


def test_a_transfer_with_a_note_shows_in_the_timeline(shop, bia, client):
    caio, dani = colleague(shop, "Caio"), colleague(shop, "Dani")
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "quero trocar o tamanho")

    header = client.post(f"/conversations/{chat.pk}/assignee/",
                         {"assignee": caio.pk, "note": "troca do 42 pelo 43"})
    assert header.status_code == 200 and "Caio" in header.content.decode()
    client.post(f"/conversations/{chat.pk}/assignee/", {"assignee": dani.pk})
    client.post(f"/conversations/{chat.pk}/assignee/", {"assignee": ""})

    history = client.get(f"/conversations/{chat.pk}/history/").content.decode()
    assert "Bia Souza</bdi> atribuiu a <bdi>Caio</bdi>: <bdi>troca do 42 pelo 43</bdi>" in history
    assert "Bia Souza</bdi> atribuiu a <bdi>Dani</bdi>" in history
    assert "Sem responsável" in history
    assert Conversation.objects.get(pk=chat.pk).assignee is None
    assert Notification.objects.filter(user=dani).count() == 1


def test_the_header_lists_the_members_and_refuses_someone_else(shop, bia, client, make_tenant):
    caio = colleague(shop, "Caio")
    stranger = make_tenant(name="Outra").org.members.get().user
    chat = add_chat(shop, "+5531987654321", "Ana")

    page = client.get(f"/conversations/{chat.pk}/").content.decode()
    assert f'<option value="{caio.pk}">Caio</option>' in page

    refused = client.post(f"/conversations/{chat.pk}/assignee/", {"assignee": stranger.pk})
    assert refused.status_code == 422
    assert "não é membro desta organização" in refused.content.decode()
    assert Conversation.objects.get(pk=chat.pk).assignee is None
    with pytest.raises(Refused):
        check_assignee(shop.org.pk, "abc")


def test_assigning_to_whoever_has_it_already_changes_nothing(shop, bia):
    caio = colleague(shop, "Caio")
    chat = add_chat(shop, "+5531987654321", "Ana")
    do_assign_to(chat, caio, bia)

    assert do_assign_to(chat, caio, bia) is False
    assert ConversationEvent.objects.count() == 1
