"""The bell, the tab title's count, new-message alerts and the member's Preferências."""

import pytest
from django.test import Client

from ponte.accounts.models import Member
from ponte.desk.models import Notification
from ponte.desk.notes import do_add_note
from ponte.desk.notifications import do_notify
from ponte.desk.test_notes import shop  # noqa: F401 - the fixture
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db


def as_bia(shop) -> Client:  # noqa: F811
    client = Client()
    client.force_login(shop.bia)
    return client


def test_the_bell_counts_only_the_signed_in_members_unread_notifications(shop):  # noqa: F811
    chat = add_chat(shop, "+5531987654321", "Ana Souza")
    do_add_note(chat, shop.owner, "@bia e @joao, vejam o pedido")
    do_add_note(chat, shop.owner, "@joao só você")

    page = as_bia(shop).get("/").content.decode()

    assert 'id="bell-count" aria-label="1 notificação não lida">1</span>' in page
    assert as_bia(shop).get("/notifications/counts/").json()["notifications"] == 1


def test_the_list_says_who_did_what_newest_first_and_hides_others(shop):  # noqa: F811
    ana = add_chat(shop, "+5531987654321", "Ana Souza")
    bruno = add_chat(shop, "+5511912345678", "Bruno Lima")
    do_add_note(ana, shop.owner, "@bia olha")
    do_notify(shop.org.pk, shop.bia, Notification.Kind.ASSIGNED, conversation=bruno,
              actor_name="Caio")
    do_add_note(ana, shop.owner, "@joao segredo do João")

    listing = as_bia(shop).get("/notifications/").content.decode()

    assert listing.index("Caio atribuiu a você a conversa com") < listing.index(
        "Caio mencionou você em")
    assert "Marcar todas como lidas" in listing
    assert listing.count('class="notification unread"') == 2


def test_following_a_notification_opens_its_chat_and_marks_it_read(shop):  # noqa: F811
    chat = add_chat(shop, "+5531987654321", "Ana Souza")
    note = do_add_note(chat, shop.owner, "@bia olha")
    mine = Notification.objects.get(user=shop.bia)

    answer = as_bia(shop).get(f"/notifications/{mine.pk}/open/")

    assert answer.status_code == 302
    assert answer.url == f"/conversations/{chat.pk}/#note-{note.pk}"
    assert Notification.objects.get(pk=mine.pk).read_at is not None


def test_nobody_follows_or_reads_another_members_notification(shop):  # noqa: F811
    do_add_note(add_chat(shop, "+5531987654321", "Ana"), shop.owner, "@joao olha")
    theirs = Notification.objects.get(user=shop.joao)

    assert as_bia(shop).get(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_marking_all_as_read_empties_the_count(shop):  # noqa: F811
    chat = add_chat(shop, "+5531987654321", "Ana Souza")
    do_add_note(chat, shop.owner, "@bia um")
    do_add_note(chat, shop.owner, "@bia dois")
    do_add_note(chat, shop.owner, "@joao três")
    client = as_bia(shop)

    client.post("/notifications/read-all/", headers={"HX-Request": "true"})

    assert client.get("/notifications/counts/").json()["notifications"] == 0
    assert Notification.objects.filter(user=shop.joao, read_at__isnull=True).count() == 1


def test_the_tab_title_counts_unread_messages_in_my_chats_and_the_unassigned(shop):  # noqa: F811
    mine = add_chat(shop, "+5531987654321", "Ana")
    nobodys = add_chat(shop, "+5511912345678", "Bruno")
    joaos = add_chat(shop, "+5521998765432", "Carla", )
    mine.assignee = shop.bia
    mine.save()
    joaos.assignee = shop.joao
    joaos.save()
    for chat, count in ((mine, 2), (nobodys, 1), (joaos, 5)):
        for n in range(count):
            add_message(chat, f"oi {n}")

    assert as_bia(shop).get("/notifications/counts/").json()["messages"] == 3


def test_a_new_customer_message_alerts_only_in_my_chats_or_the_unassigned(shop):  # noqa: F811
    mine = add_chat(shop, "+5531987654321", "Ana Souza")
    joaos = add_chat(shop, "+5521998765432", "Carla")
    joaos.assignee = shop.joao
    joaos.save()
    ids = [add_message(mine, "tem o 42?").pk, add_message(joaos, "e o meu?").pk,
           add_message(mine, "já mandei", direction="out").pk]

    alerts = as_bia(shop).get("/notifications/alerts/", {"m": ",".join(map(str, ids))}).json()

    assert [(a["title"], a["body"]) for a in alerts["alerts"]] == [("Ana Souza", "tem o 42?")]


def test_preferences_are_each_members_own_and_can_silence_alerts(shop):  # noqa: F811
    client = as_bia(shop)
    assert "Preferências" in client.get("/").content.decode()
    page = client.get("/settings/me/").content.decode()
    assert 'name="notify_browser" id="notify-browser" checked' in page

    client.post("/settings/me/", {"notify_sound": "on"})

    bia = Member.objects.get(user=shop.bia)
    assert (bia.notify_browser, bia.notify_sound) == (False, True)
    assert Member.objects.get(user=shop.joao).notify_sound is False
    client.post("/settings/me/", {})
    chat = add_chat(shop, "+5531987654321", "Ana")
    message = add_message(chat, "oi")
    assert client.get("/notifications/alerts/", {"m": message.pk}).json() == {"alerts": []}
