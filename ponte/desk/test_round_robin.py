"""Automatic assignment: with round robin on, a new chat goes to the online attendant who
has waited longest for one; nobody online, it waits for whoever takes it."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from ponte.accounts.models import Member, Role
from ponte.conversations.models import Conversation
from ponte.desk.inbound import do_after_inbound
from ponte.desk.models import ConversationEvent, DeskSettings, Notification
from ponte.desk.roundrobin import next_in_turn
from ponte.inbox.pipeline import drain
from ponte.web.test_workspace import add_chat, add_message
from tests.support import wppconnect_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_tenant):
    tenant = make_tenant()
    Member.objects.filter(org=tenant.org).update(last_seen_at=None)  # the owner is away
    return tenant


def attendant(tenant, name: str, *, online: bool = True):
    user = get_user_model().objects.create_user(f"{name.lower()}@loja.test", password="s3nha",
                                                first_name=name)
    Member.objects.create(org=tenant.org, user=user, role=Role.AGENT,
                          last_seen_at=timezone.now() if online else None)
    return user


def round_robin(tenant, on: bool = True) -> None:
    DeskSettings.objects.update_or_create(org=tenant.org, defaults={"round_robin": on})


def new_chat(tenant, e164: str) -> Conversation:
    chat = add_chat(tenant, e164, "Cliente")
    do_after_inbound(tenant.org.pk, [add_message(chat, "oi, tem o tênis 42?")])
    return Conversation.objects.get(pk=chat.pk)


def test_without_round_robin_new_chats_wait_unassigned(shop):
    attendant(shop, "Caio")

    assert new_chat(shop, "+5531900000001").assignee is None


def test_new_chats_go_to_online_attendants_in_turn(shop):
    round_robin(shop)
    caio, dani = attendant(shop, "Caio"), attendant(shop, "Dani")
    attendant(shop, "Edu", online=False)

    given = [new_chat(shop, f"+553190000000{n}").assignee for n in range(1, 5)]

    assert given == [caio, dani, caio, dani]
    event = ConversationEvent.objects.filter(kind="assigned").first()
    assert event.data["auto"] is True and event.actor is None
    assert Notification.objects.filter(user=caio, kind="assigned").count() == 2


def test_among_those_never_given_one_the_one_with_fewest_open_chats_comes_first(shop):
    round_robin(shop)
    caio, dani = attendant(shop, "Caio"), attendant(shop, "Dani")
    busy = add_chat(shop, "+5531900000009", "Antigo")
    Conversation.objects.filter(pk=busy.pk).update(assignee=caio)

    assert new_chat(shop, "+5531900000001").assignee == dani


def test_someone_seen_more_than_two_minutes_ago_is_not_online(shop):
    round_robin(shop)
    caio = attendant(shop, "Caio")
    Member.objects.filter(user=caio).update(last_seen_at=timezone.now() - timedelta(minutes=3))

    assert new_chat(shop, "+5531900000001").assignee is None
    assert next_in_turn(shop.org.pk) is None


def test_a_chat_that_already_had_messages_is_not_handed_out(shop):
    round_robin(shop)
    attendant(shop, "Caio")
    chat = add_chat(shop, "+5531900000001", "Cliente")
    add_message(chat, "mensagem de ontem", minutes_ago=60 * 24)
    Conversation.objects.filter(pk=chat.pk).update(status="resolved")

    do_after_inbound(shop.org.pk, [add_message(chat, "voltei")])

    chat.refresh_from_db()
    assert (chat.status, chat.assignee) == ("open", None)


@pytest.mark.django_db(transaction=True)
def test_a_customers_first_message_through_the_webhook_is_assigned(make_tenant):
    tenant = make_tenant()
    round_robin(tenant)
    caio = attendant(tenant, "Caio")
    Member.objects.filter(org=tenant.org, role=Role.OWNER).update(last_seen_at=None)
    client = Client()
    client.post(tenant.instance.webhook_path, data=wppconnect_text("5531987654321", "M1", "oi"),
                content_type="application/json")
    drain()

    assert Conversation.objects.get().assignee == caio


def test_a_signed_in_attendants_pages_keep_them_online(shop, client):
    caio = attendant(shop, "Caio", online=False)

    client.login(username="caio@loja.test", password="s3nha")
    Member.objects.filter(user=caio).update(last_seen_at=None)
    client.get("/")

    assert Member.objects.get(user=caio).last_seen_at is not None
