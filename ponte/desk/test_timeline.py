"""The chat's timeline: a resolved chat opens when the customer writes, and notes and
changes show in the history among the messages they were made between."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ponte.conversations.models import Conversation
from ponte.desk.inbound import do_after_inbound
from ponte.desk.labels import do_set_labels
from ponte.desk.models import ConversationEvent, Label, Note
from ponte.inbox.pipeline import drain
from ponte.web.test_workspace import add_chat, add_message
from tests.support import wppconnect_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_tenant, client):
    tenant = make_tenant()
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    return tenant


def post(client, tenant, body: dict) -> None:
    response = client.post(tenant.instance.webhook_path, data=body,
                           content_type="application/json")
    assert response.status_code == 200, response.content


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", ["resolved", "snoozed", "pending"])
def test_a_chat_resolved_snoozed_or_waiting_opens_when_the_customer_writes(shop, client, status):
    post(client, shop, wppconnect_text("5531987654321", "M1", "oi"))
    drain()
    chat = Conversation.objects.get()
    Conversation.objects.filter(pk=chat.pk).update(
        status=status, snoozed_until=timezone.now() + timedelta(days=1))

    post(client, shop, wppconnect_text("5531987654321", "M2", "voltei, e o pedido?"))
    drain()

    chat.refresh_from_db()
    assert (chat.status, chat.snoozed_until) == ("open", None)
    [event] = ConversationEvent.objects.filter(conversation=chat)
    assert event.data == {"from": status, "to": "open", "reason": "customer_wrote"}
    history = client.get(f"/conversations/{chat.pk}/history/").content.decode()
    assert "Reaberta: o cliente escreveu" in history


def test_the_shops_own_messages_reopen_nothing(shop):
    chat = add_chat(shop, "+5531987654321", "Ana")
    Conversation.objects.filter(pk=chat.pk).update(status="resolved")

    do_after_inbound(shop.org.pk, [add_message(chat, "resolvido!", direction="out")])

    assert Conversation.objects.get(pk=chat.pk).status == "resolved"
    assert ConversationEvent.objects.count() == 0


def test_notes_and_changes_show_among_the_messages_they_came_between(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "primeira", minutes_ago=10)
    Note.objects.create(org=shop.org, conversation=chat, author_name="Bia", text="<b>VIP</b>",
                        created_at=timezone.now() - timedelta(minutes=5))
    add_message(chat, "segunda", minutes_ago=1)
    do_set_labels(chat, ["Troca", " troca ", "Atacado"])

    history = client.get(f"/conversations/{chat.pk}/history/").content.decode()

    order = [history.index(s) for s in ("primeira", "&lt;b&gt;VIP&lt;/b&gt;", "segunda",
                                        "mudou as etiquetas")]
    assert order == sorted(order)
    assert sorted(Label.objects.values_list("name", flat=True)) == ["Atacado", "Troca"]


def test_an_older_page_shows_only_the_entries_of_its_own_window(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    for n in range(60):
        add_message(chat, f"mensagem {n:02d}", minutes_ago=(60 - n) * 10)
    Note.objects.create(org=shop.org, conversation=chat, author_name="Bia", text="nota antiga",
                        created_at=timezone.now() - timedelta(minutes=595))
    Note.objects.create(org=shop.org, conversation=chat, author_name="Bia", text="nota nova",
                        created_at=timezone.now() - timedelta(minutes=5))

    newest = client.get(f"/conversations/{chat.pk}/history/").content.decode()
    first_shown = chat.messages.get(text="mensagem 10")
    older = client.get(f"/conversations/{chat.pk}/history/",
                       {"before": first_shown.pk}).content.decode()

    assert "nota nova" in newest and "nota antiga" not in newest
    assert "nota antiga" in older and "nota nova" not in older
