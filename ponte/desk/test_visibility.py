"""When the shop turns "agents see all" off, an attendant sees the chats assigned to them
and the unassigned ones: in the inbox, in the chat itself and in the search."""

import pytest
from django.contrib.auth import get_user_model

from ponte.accounts.models import Member, Role
from ponte.conversations.models import Conversation
from ponte.desk.models import DeskSettings
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db


def join(tenant, email: str, role: str):
    user = get_user_model().objects.create_user(email, email=email, password="s3nha-forte")
    Member.objects.create(org=tenant.org, user=user, role=role)
    return user


@pytest.fixture
def shop(make_tenant):
    """Three chats: one the attendant's, one another's, one nobody's."""
    tenant = make_tenant()
    agent, other = join(tenant, "caio@loja.test", Role.AGENT), join(tenant, "dani@loja.test",
                                                                   Role.AGENT)
    for e164, name, owner in [("+5531900000001", "Ana Minha", agent),
                              ("+5531900000002", "Beto Outro", other),
                              ("+5531900000003", "Carla Livre", None)]:
        chat = add_chat(tenant, e164, name)
        add_message(chat, f"pedido de {name.split()[0]} entregue")
        Conversation.objects.filter(pk=chat.pk).update(assignee=owner)
    return tenant


def signed_in(client, email: str):
    client.login(username=email, password="s3nha-forte")
    return client


def chat_of(name: str) -> Conversation:
    return Conversation.objects.get(contact__push_name=name)


NAMES = ("Ana Minha", "Beto Outro", "Carla Livre")


def shown(html: str) -> set[str]:
    return {name for name in NAMES if name in html}


def test_by_default_attendants_see_every_chat(shop, client):
    signed_in(client, "caio@loja.test")

    assert shown(client.get("/").content.decode()) == set(NAMES)
    assert client.get(f"/conversations/{chat_of('Beto Outro').pk}/").status_code == 200


def test_an_attendant_sees_only_their_chats_and_unassigned_ones(shop, client):
    DeskSettings.objects.create(org=shop.org, agents_see_all=False)
    signed_in(client, "caio@loja.test")
    other = chat_of("Beto Outro")

    assert shown(client.get("/inbox/list/").content.decode()) == {"Ana Minha", "Carla Livre"}
    assert client.get(f"/conversations/{other.pk}/").status_code == 404
    assert client.get(f"/conversations/{other.pk}/history/").status_code == 404
    assert client.get(f"/messages/{other.last_message_id}/").status_code == 404
    found = client.get("/inbox/list/", {"q": "entregue"}).content.decode()
    assert "pedido de Beto" not in found and "pedido de Ana" in found and "pedido de Carla" in found


def test_managers_see_everything_whatever_the_setting(shop, client):
    DeskSettings.objects.create(org=shop.org, agents_see_all=False)
    join(shop, "gerente@loja.test", Role.ADMIN)
    signed_in(client, "gerente@loja.test")

    assert shown(client.get("/").content.decode()) == set(NAMES)
    assert client.get(f"/conversations/{chat_of('Beto Outro').pk}/").status_code == 200


def test_an_attendant_who_gives_a_chat_away_goes_back_to_the_inbox(shop, client):
    DeskSettings.objects.create(org=shop.org, agents_see_all=False)
    signed_in(client, "caio@loja.test")
    mine = chat_of("Ana Minha")
    dani = get_user_model().objects.get(username="dani@loja.test")

    answer = client.post(f"/conversations/{mine.pk}/assignee/", {"assignee": dani.pk},
                         HTTP_HX_REQUEST="true")

    assert answer.status_code == 204 and answer["HX-Location"] == "/"
    assert client.get(f"/conversations/{mine.pk}/").status_code == 404
