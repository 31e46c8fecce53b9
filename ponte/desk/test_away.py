"""The away message: a customer writing while the shop is closed hears so once a night."""

import json
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from emulators import wppconnect
from ponte.accounts.services import do_provision_organization
from ponte.conversations.models import Conversation, Message
from ponte.desk.away import do_send_away_replies
from ponte.desk.models import AwayReply, ConversationEvent, DeskSettings
from ponte.inbox.pipeline import drain
from ponte.privacy.services import Actor, do_hide_number
from ponte.web.test_workspace import add_chat
from tests.support import send_until_settled, wppconnect_text

pytestmark = pytest.mark.django_db
SP = ZoneInfo("America/Sao_Paulo")
AWAY = "Olá! Estamos fechados agora; respondemos a partir das 9h."
WEEKDAYS_9_TO_6 = {str(d): [["09:00", "18:00"]] for d in range(5)}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SP)


@pytest.fixture
def shop(make_tenant):
    tenant = make_tenant()
    DeskSettings.objects.create(org=tenant.org, away_enabled=True, away_text=AWAY,
                                business_hours=WEEKDAYS_9_TO_6, holidays=["2026-12-25"])
    return tenant


def customer_writes(chat: Conversation, when: datetime, direction: str = "in") -> Message:
    return Message.objects.create(org_id=chat.org_id, instance_id=chat.instance_id,
                                  conversation=chat, direction=direction, text="oi, tem?",
                                  engine_timestamp=when)


def away_texts(chat: Conversation) -> list[str]:
    return list(chat.messages.filter(direction="out").values_list("text", flat=True))


def writes_and_hears(chat: Conversation, when: str) -> list[AwayReply]:
    return do_send_away_replies(chat.org_id, [customer_writes(chat, at(when))], now=at(when))


def test_one_away_reply_a_night_and_again_the_next_night(shop):
    chat = add_chat(shop, "+5531987654321", "Ana")

    assert len(writes_and_hears(chat, "2026-12-08T22:00")) == 1  # a Tuesday
    assert writes_and_hears(chat, "2026-12-08T23:00") == []
    assert writes_and_hears(chat, "2026-12-09T02:00") == [], "past midnight, the same night"
    assert len(writes_and_hears(chat, "2026-12-09T22:00")) == 1

    assert away_texts(chat) == [AWAY, AWAY]
    assert list(AwayReply.objects.values_list("absence", flat=True).order_by("absence")) == [
        "2026-12-08T18:00-03:00", "2026-12-09T18:00-03:00"]
    events = ConversationEvent.objects.filter(conversation=chat, kind="away_reply")
    assert events.count() == 2
    queued = chat.messages.filter(direction="out")
    assert {e.data["message_id"] for e in events} == set(queued.values_list("pk", flat=True))
    assert set(queued.values_list("status", flat=True)) == {"pending"}


def test_a_holiday_at_noon_gets_the_away_message(shop):
    chat = add_chat(shop, "+5531987654321", "Ana")
    [reply] = writes_and_hears(chat, "2026-12-25T12:00")
    assert reply.absence == "2026-12-24T18:00-03:00"
    assert away_texts(chat) == [AWAY]


def test_open_hours_get_no_away_message(shop):
    chat = add_chat(shop, "+5531987654321", "Ana")
    assert writes_and_hears(chat, "2026-12-08T10:00") == []
    assert away_texts(chat) == []


def test_each_chat_hears_it_once_when_two_customers_write_the_same_night(shop):
    ana = add_chat(shop, "+5531987654321", "Ana")
    bia = add_chat(shop, "+5511912345678", "Bia")
    night = at("2026-12-08T21:00")
    written = [customer_writes(ana, night), customer_writes(ana, night),
               customer_writes(bia, night)]
    assert len(do_send_away_replies(shop.org.pk, written, now=night)) == 2
    assert away_texts(ana) == away_texts(bia) == [AWAY]


def test_the_shops_own_messages_get_no_away_message(shop):
    chat = add_chat(shop, "+5531987654321", "Ana")
    night = at("2026-12-08T22:00")
    assert do_send_away_replies(shop.org.pk, [customer_writes(chat, night, "out")],
                                now=night) == []
    assert not AwayReply.objects.exists()


@pytest.mark.parametrize("enabled,text", [(False, AWAY), (True, ""), (True, "   ")])
def test_disabled_or_blank_away_message_sends_nothing(shop, enabled, text):
    DeskSettings.objects.filter(org=shop.org).update(away_enabled=enabled, away_text=text)
    chat = add_chat(shop, "+5531987654321", "Ana")
    assert writes_and_hears(chat, "2026-12-08T22:00") == []
    assert away_texts(chat) == []


def test_a_message_written_before_closing_and_read_late_gets_none(shop):
    chat = add_chat(shop, "+5531987654321", "Ana")
    written_open = customer_writes(chat, at("2026-12-08T17:55"))
    assert do_send_away_replies(shop.org.pk, [written_open], now=at("2026-12-08T18:05")) == []


def test_a_hidden_number_never_hears_the_away_message(shop):
    chat = add_chat(shop, "+5531987654321", "Ana")
    message = customer_writes(chat, at("2026-12-08T22:00"))
    do_hide_number(shop.org.pk, "+5531987654321", Actor(None, "dono"))
    assert do_send_away_replies(shop.org.pk, [message], now=at("2026-12-08T22:00")) == []
    assert not Message.objects.filter(direction="out").exists()


@pytest.mark.django_db(transaction=True)
def test_the_drainer_answers_a_holiday_message_once_and_the_chat_shows_it(make_tenant, client):
    tenant = make_tenant()
    today = timezone.now().astimezone(SP).date().isoformat()
    DeskSettings.objects.create(org=tenant.org, away_enabled=True, away_text=AWAY,
                                business_hours=WEEKDAYS_9_TO_6, holidays=[today])
    for n in range(2):
        body = wppconnect_text("5531987654321", f"M{n}", "oi", int(time.time()))
        client.post(tenant.instance.webhook_path, data=json.dumps(body),
                    content_type="application/json")
        drain()

    [chat] = Conversation.objects.all()
    assert away_texts(chat) == [AWAY]
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    history = client.get(f"/conversations/{chat.pk}/history/").content.decode()
    assert "Mensagem de ausência" in history and AWAY in history


SECRET = "engine-secret-0001"
FAST = {"PONTE_SEND_BACKOFF_SECONDS": 0.0, "PONTE_RECONCILE_DELAY_SECONDS": 0.0,
        "PONTE_ENGINE_READ_TIMEOUT": 0.5, "PONTE_ENGINE_CONNECT_TIMEOUT": 1.0}


@pytest.fixture
def engine_shop():
    emulator = wppconnect.Emulator(secrets=[SECRET], state="CONNECTED", logged_in=True,
                                   auto_ack=False).start()
    made = do_provision_organization("Loja", "wppconnect", engine_url=emulator.base_url,
                                     secrets_list=[SECRET])
    made.instance.state = "connected"  # as the supervisor finds it: sends wait otherwise
    made.instance.save(update_fields=["state"])
    yield made, emulator
    emulator.stop()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@override_settings(**FAST)
def test_a_customer_writing_on_a_holiday_gets_one_away_message_through_the_engine(engine_shop):
    made, emulator = engine_shop
    today = timezone.now().astimezone(SP).date().isoformat()
    DeskSettings.objects.create(org=made.org, away_enabled=True, away_text=AWAY,
                                business_hours={str(d): [["09:00", "18:00"]] for d in range(7)},
                                holidays=[today])  # closed all of today, whatever the hour
    for n, words in enumerate(["oi", "alguém aí?"]):
        body = wppconnect_text("5531987654321", f"M{n}", words, int(time.time()),
                               session=made.instance.session_name)
        response = Client().post(made.instance.webhook_path, data=json.dumps(body),
                                 content_type="application/json")
        assert response.status_code == 200, response.content
        drain()

    [reply] = Message.objects.filter(direction="out")
    assert reply.text == AWAY
    assert ConversationEvent.objects.filter(kind="away_reply").count() == 1
    assert send_until_settled(reply).status == "sent"
    assert [d["text"] for d in emulator.delivered] == [AWAY]
