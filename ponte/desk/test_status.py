"""An attendant sets a chat open, pending, snoozed or resolved from its header; a snoozed
chat opens again by itself when its time comes."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from ponte import realtime
from ponte.conversations.models import Conversation
from ponte.desk.models import ConversationEvent, DeskSettings
from ponte.desk.status import check_status, do_change_status, do_wake_snoozed, snooze_until
from ponte.desk.worker import DeskTimers
from ponte.errors import Refused
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db
SP = ZoneInfo("America/Sao_Paulo")


@pytest.fixture
def shop(make_tenant, client):
    tenant = make_tenant()
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    return tenant


@pytest.fixture
def owner(shop):
    return shop.org.members.get().user


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, dict]]:
    """What tabs are told, once the change commits (run in `committed()`)."""
    events: list[tuple[str, dict]] = []
    monkeypatch.setattr(realtime, "publish", lambda org, kind, data: events.append((kind, data)))
    return events


def test_resolving_a_chat_records_who_did_it_and_tells_every_tab(
        shop, owner, published, django_capture_on_commit_callbacks):
    chat = add_chat(shop, "+5531987654321", "Ana")

    with django_capture_on_commit_callbacks(execute=True):
        assert do_change_status(chat, "resolved", owner) is True

    chat.refresh_from_db()
    assert chat.status == "resolved" and chat.status_changed_at is not None
    [event] = ConversationEvent.objects.filter(conversation=chat)
    assert (event.kind, event.data, event.actor) == ("status", {"from": "open", "to": "resolved"},
                                                     owner)
    assert ("conversation.status", {"conversation_id": chat.pk, "status": "resolved",
                                    "event_id": event.pk}) in published


def test_setting_the_status_it_already_has_records_nothing(shop, owner):
    chat = add_chat(shop, "+5531987654321", "Ana")

    assert do_change_status(chat, "open", owner) is False
    assert not ConversationEvent.objects.exists()


def test_a_snooze_needs_a_time_in_the_future(shop, owner):
    chat = add_chat(shop, "+5531987654321", "Ana")
    now = timezone.now()

    for until, code in [(None, "snooze_needs_time"), (now - timedelta(minutes=1),
                                                      "snooze_in_the_past"),
                        (now + timedelta(days=400), "snooze_too_far")]:
        with pytest.raises(Refused) as refused:
            do_change_status(chat, "snoozed", owner, until)
        assert refused.value.code == code
    with pytest.raises(Refused, match="Situação desconhecida"):
        check_status("archived", None)
    assert Conversation.objects.get(pk=chat.pk).status == "open"


def test_another_status_forgets_the_snooze_time(shop, owner):
    chat = add_chat(shop, "+5531987654321", "Ana")
    do_change_status(chat, "snoozed", owner, timezone.now() + timedelta(hours=1))

    do_change_status(chat, "pending", owner)

    chat.refresh_from_db()
    assert (chat.status, chat.snoozed_until) == ("pending", None)


def test_quick_snooze_choices_are_an_hour_from_now_and_tomorrow_at_nine_in_the_shops_zone(shop):
    now = datetime(2026, 12, 8, 23, 30, tzinfo=SP)  # late at night: tomorrow is the 9th

    assert snooze_until(shop.org.pk, "1h", now=now) == now + timedelta(hours=1)
    assert snooze_until(shop.org.pk, "tomorrow9", now=now) == datetime(2026, 12, 9, 9, 0,
                                                                       tzinfo=SP)
    DeskSettings.objects.create(org=shop.org, time_zone="America/Manaus")
    typed = snooze_until(shop.org.pk, typed="2026-12-10T14:00", now=now)
    assert typed == datetime(2026, 12, 10, 14, 0, tzinfo=ZoneInfo("America/Manaus"))
    with pytest.raises(Refused):
        snooze_until(shop.org.pk, typed="amanhã", now=now)


def test_a_snoozed_chat_opens_again_when_its_time_comes(
        shop, owner, published, client, django_capture_on_commit_callbacks):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "me chama amanhã")
    later = timezone.now() + timedelta(hours=1)
    do_change_status(chat, "snoozed", owner, later)

    assert do_wake_snoozed(now=later - timedelta(seconds=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert do_wake_snoozed(now=later) == 1

    chat.refresh_from_db()
    assert (chat.status, chat.snoozed_until) == ("open", None)
    woke = ConversationEvent.objects.filter(conversation=chat).latest("pk")
    assert woke.data == {"from": "snoozed", "to": "open", "reason": "snooze_ended"}
    assert ("conversation.status", {"conversation_id": chat.pk, "status": "open",
                                    "event_id": woke.pk}) in published
    history = client.get(f"/conversations/{chat.pk}/history/").content.decode()
    assert "Reaberta: o adiamento acabou" in history
    assert do_wake_snoozed(now=later + timedelta(days=1)) == 0  # once


def test_the_worker_loop_wakes_chats_whose_snooze_is_over(shop):
    chat = add_chat(shop, "+5531987654321", "Ana")
    Conversation.objects.filter(pk=chat.pk).update(
        status="snoozed", snoozed_until=timezone.now() - timedelta(seconds=1))

    assert DeskTimers().run_pass() is None

    assert Conversation.objects.get(pk=chat.pk).status == "open"


def test_the_header_changes_the_status_and_the_timeline_says_so(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "obrigada!")

    page = client.get(f"/conversations/{chat.pk}/").content.decode()
    assert 'class="status-badge" data-status="open">Aberta<' in page

    header = client.post(f"/conversations/{chat.pk}/status/", {"status": "resolved"})
    assert header.status_code == 200
    assert 'data-status="resolved">Resolvida<' in header.content.decode()
    client.post(f"/conversations/{chat.pk}/status/", {"snooze": "tomorrow9"})
    chat.refresh_from_db()
    assert chat.status == "snoozed"
    assert timezone.localtime(chat.snoozed_until).strftime("%H:%M") == "09:00"

    history = client.get(f"/conversations/{chat.pk}/history/").content.decode()
    assert "marcou como resolvida" in history
    until = timezone.localtime(chat.snoozed_until).strftime("%d/%m 09:00")
    assert f"Adiada até {until} por" in history


def test_a_snooze_typed_in_the_past_is_refused_in_words(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")

    answer = client.post(f"/conversations/{chat.pk}/status/",
                         {"status": "snoozed", "until": "2020-01-01T09:00"})

    assert answer.status_code == 422
    assert "Esse horário já passou" in answer.content.decode()
    assert Conversation.objects.get(pk=chat.pk).status == "open"
