"""Sending through a real engine emulator over HTTP: once each, retried, reconciled."""

import json

import pytest
from django.test import Client, override_settings

from emulators.evolution import Emulator
from ponte.accounts.services import do_provision_organization
from ponte.conversations.models import Message
from ponte.conversations.outbound import check_send_message, do_queue_message, do_retry_message
from ponte.conversations.sender import Sender
from ponte.diagnostics.models import DiagnosticEntry
from ponte.inbox.pipeline import drain
from tests.support import send_until_settled

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
APIKEY = "evo-primary-apikey-0001"
FAST = {"PONTE_SEND_BACKOFF_SECONDS": 0.0, "PONTE_RECONCILE_DELAY_SECONDS": 0.0,
        "PONTE_ENGINE_READ_TIMEOUT": 0.5, "PONTE_ENGINE_CONNECT_TIMEOUT": 1.0}


@pytest.fixture
def shop():
    emulator = Emulator(secrets=[APIKEY], instance=None)
    emulator.start()
    made = do_provision_organization("Loja", "evolution", engine_url=emulator.base_url,
                                     secrets_list=[APIKEY])
    emulator_instance = Emulator(secrets=[APIKEY], instance=made.instance.session_name,
                                 webhook_url="http://127.0.0.1:9/unreachable")
    emulator.stop()
    emulator_instance.start()
    made.instance.base_url = emulator_instance.base_url
    made.instance.state = "connected"  # as the supervisor finds it: sends wait otherwise
    made.instance.save(update_fields=["base_url", "state"])
    yield made, emulator_instance
    emulator_instance.stop()


@override_settings(**FAST)
def test_504_twice_then_success_reaches_whatsapp_once_and_ends_sent(shop):
    made, emulator = shop
    emulator.fail_next("send_text", status=504, times=2)
    chat = check_send_message(made.org, to="+55 31 98765-4321", text="Seu pedido saiu!")
    message = send_until_settled(do_queue_message(chat, "Seu pedido saiu!"))
    assert message.status == "sent"
    assert message.attempts == 3
    assert [d["text"] for d in emulator.delivered] == ["Seu pedido saiu!"]
    assert message.engine_message_id == emulator.delivered[0]["engine_message_id"]


@override_settings(**FAST)
def test_timeout_after_the_engine_received_it_is_reconciled_not_resent(shop):
    made, emulator = shop
    emulator.hang_next("send_text", seconds=2.0, deliver=True)
    chat = check_send_message(made.org, to="5531987654321", text="Chegou o boleto")
    message = send_until_settled(do_queue_message(chat, "Chegou o boleto"))
    assert message.status == "sent"
    assert len(emulator.delivered) == 1
    assert message.engine_message_id == emulator.delivered[0]["engine_message_id"]


@pytest.mark.django_db(transaction=True)
@override_settings(**FAST)
def test_echo_webhook_settles_a_send_whose_answer_was_lost(shop):
    made, emulator = shop
    emulator.hang_next("send_text", seconds=2.0, deliver=True)
    chat = check_send_message(made.org, to="5531987654321", text="Obrigado!")
    message = do_queue_message(chat, "Obrigado!")
    sender = Sender()
    try:
        sender.send_due()
    finally:
        sender.close()
    message.refresh_from_db()
    assert message.status == "pending" and message.outcome_unknown_at is not None
    echo = next(w["body"] for w in emulator.webhooks if w["body"]["event"] == "send.message")
    response = Client().post(made.instance.webhook_path, data=json.dumps(echo),
                             content_type="application/json")
    assert response.status_code == 200
    drain()
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.engine_message_id == emulator.delivered[0]["engine_message_id"]
    assert Message.objects.filter(direction="out").count() == 1


@override_settings(**FAST)
def test_legacy_number_is_sent_to_the_id_the_engine_check_returned(shop):
    made, emulator = shop
    emulator.registered = {"553187654321"}  # an account from before the ninth digit
    chat = check_send_message(made.org, to="(31) 98765-4321", text="Oi")
    send_until_settled(do_queue_message(chat, "Oi"))
    assert emulator.delivered[0]["to"] == "553187654321"
    chat.contact.refresh_from_db()
    assert chat.contact.wa_id == "553187654321"


@override_settings(PONTE_SEND_MAX_ATTEMPTS=3, **FAST)
def test_persistent_failure_is_marked_failed_with_the_reason_and_can_be_retried(shop):
    made, emulator = shop
    emulator.fail_next("send_text", status=503, times=3)
    chat = check_send_message(made.org, to="5531987654321", text="Promoção")
    message = send_until_settled(do_queue_message(chat, "Promoção"))
    assert message.status == "failed"
    assert message.error
    assert emulator.delivered == []
    message = send_until_settled(do_retry_message(message))
    assert message.status == "sent"
    assert len(emulator.delivered) == 1


@override_settings(**FAST)
def test_number_not_on_whatsapp_fails_at_once(shop):
    made, emulator = shop
    emulator.registered = {"5531987654321": None}
    chat = check_send_message(made.org, to="5531987654321", text="Oi")
    message = send_until_settled(do_queue_message(chat, "Oi"), passes=1)
    assert message.status == "failed"
    assert "WhatsApp" in message.error


@override_settings(**FAST)
def test_no_apikey_or_message_text_reaches_the_diagnostic_log(shop):
    made, emulator = shop
    emulator.fail_next("send_text", status=504, times=1)
    chat = check_send_message(made.org, to="5531987654321", text="texto sigiloso 123")
    send_until_settled(do_queue_message(chat, "texto sigiloso 123"))
    rows = list(DiagnosticEntry.objects.values_list("path", "error"))
    assert rows
    dumped = json.dumps(rows)
    assert APIKEY not in dumped and "texto sigiloso" not in dumped


def test_api_queues_a_message_and_answers_pending_at_once(shop):
    made, _ = shop
    response = Client().post("/api/v1/messages", data={"to": "31 98765-4321", "text": "Oi!"},
                             content_type="application/json",
                             headers={"Authorization": f"Bearer {made.api_key}"})
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert APIKEY not in response.content.decode()
    bad = Client().post("/api/v1/messages", data={"to": "abc", "text": "Oi!"},
                        content_type="application/json",
                        headers={"Authorization": f"Bearer {made.api_key}"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_phone"


@override_settings(PONTE_SEND_MAX_ATTEMPTS=3, **FAST)
def test_a_lost_answer_whose_chat_cannot_be_read_ends_failed_as_maybe_delivered(shop, client):
    made, emulator = shop
    emulator.hang_next("send_text", seconds=2.0, deliver=True)
    emulator.fail_next("recent_messages", status=503, times=100)
    chat = check_send_message(made.org, to="5531987654321", text="Oi")

    message = send_until_settled(do_queue_message(chat, "Oi"), passes=30)

    assert (message.status, message.failure) == ("failed", "unknown_outcome")
    assert len(emulator.delivered) == 1
    looks = [r for r in emulator.requests if r.operation == "recent_messages"]
    assert len(looks) <= 3, "the chat history was asked for without end"
    client.login(username=made.owner_email, password=made.owner_password)
    html = client.get(f"/messages/{message.pk}/").content.decode()
    assert "pode ter chegado, confira no celular" in html
