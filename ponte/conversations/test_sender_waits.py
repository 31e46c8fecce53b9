"""Messages queued while WhatsApp is down: they wait quietly, in order, then go or fail clearly.

Against the WPPConnect emulator, which refuses sends and number checks with 404
"Disconnected" unless its session is connected, as the real server does.
"""

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from emulators.wppconnect import Emulator
from ponte.conversations.models import Message
from ponte.conversations.outbound import check_send_message, do_queue_message
from ponte.conversations.sender import Sender, sending
from tests.support import supervised as supervise

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
SECRET = "wpp-secret-0001"
FAST = {"PONTE_SEND_BACKOFF_SECONDS": 0.0, "PONTE_ENGINE_READ_TIMEOUT": 2.0,
        "PONTE_ENGINE_CONNECT_TIMEOUT": 1.0}


@pytest.fixture
def shop(make_tenant, client):
    with Emulator(secrets=[SECRET], whatsapp_reachable=False) as emulator:
        made = make_tenant("wppconnect", engine_url=emulator.base_url, secrets_list=[SECRET])
        client.login(username=made.owner_email, password=made.owner_password)
        yield made, emulator


def sender_passes(passes: int, *, force_due: bool = True) -> None:
    """Run the sender again and again; `force_due` skips every backoff, as a hammering loop."""
    sender = Sender()
    try:
        for _ in range(passes):
            if force_due:
                Message.objects.filter(status="pending").update(next_attempt_at=timezone.now())
            sender.run_pass()
    finally:
        sender.close()


def queue(org, phone: str, text: str) -> Message:
    return do_queue_message(check_send_message(org, to=phone, text=text), text)


def engine_calls(emulator, since: int) -> list[str]:
    return [r.path for r in emulator.requests[since:]]


@override_settings(**FAST)
def test_messages_wait_for_the_session_without_calling_the_engine_then_go_in_order(
        shop, django_capture_on_commit_callbacks):
    made, emulator = shop
    supervise(made.instance)  # the browser cannot reach WhatsApp Web: INITIALIZING
    assert made.instance.state == "starting"
    queued = [queue(made.org, "5531987654321", "primeira"),
              queue(made.org, "5521998765432", "para outra pessoa"),
              queue(made.org, "5531987654321", "segunda")]
    before = len(emulator.requests)

    sender_passes(30)

    assert engine_calls(emulator, before) == []
    for message in queued:
        message.refresh_from_db()
        assert (message.status, message.attempts) == ("pending", 0)

    emulator.whatsapp_reachable = True
    emulator.scan_qr()
    sending._wake.clear()  # a wake an earlier test left
    with django_capture_on_commit_callbacks(execute=True):
        supervise(made.instance)
    assert made.instance.state == "connected"
    assert sending.woken, "the connection did not wake the sender"

    sender_passes(5, force_due=False)

    assert [d["text"] for d in emulator.delivered] == ["primeira", "para outra pessoa", "segunda"]
    assert {m.status for m in Message.objects.filter(direction="out")} == {"sent"}


@override_settings(PONTE_SEND_MAX_ATTEMPTS=3, **FAST)
def test_an_engine_refusing_while_disconnected_is_tried_a_bounded_number_of_times(shop, client):
    made, emulator = shop
    made.instance.state = "connected"  # Ponte has not heard of the drop yet
    made.instance.save(update_fields=["state"])
    message = queue(made.org, "5531987654321", "Seu pedido saiu!")
    before = len(emulator.requests)

    sender_passes(20)  # every backoff skipped: only the attempt budget can stop it

    calls = engine_calls(emulator, before)
    assert sum("check-number-status" in path or "send-message" in path for path in calls) == 3
    message.refresh_from_db()
    assert (message.status, message.attempts, message.failure) == ("failed", 3, "disconnected")
    html = client.get(f"/messages/{message.pk}/").content.decode()
    assert "Não enviada: WhatsApp desconectado" in html
    assert f'hx-post="/messages/{message.pk}/retry/"' in html


@override_settings(**FAST)
def test_a_message_past_its_deadline_fails_as_disconnected_and_retry_sends_it(shop, client):
    made, emulator = shop
    supervise(made.instance)
    with override_settings(PONTE_SEND_EXPIRY_SECONDS=0):
        message = queue(made.org, "5531987654321", "Chegou o boleto")
    before = len(emulator.requests)

    sender_passes(1, force_due=False)

    assert engine_calls(emulator, before) == []
    message.refresh_from_db()
    assert (message.status, message.failure) == ("failed", "disconnected")
    chat = client.get(f"/conversations/{message.conversation_id}/history/").content.decode()
    assert "Não enviada: WhatsApp desconectado" in chat
    api = Client(headers={"Authorization": f"Bearer {made.api_key}"})
    row = api.get(f"/api/v1/messages/{message.pk}").json()
    assert (row["status"], row["failure"]) == ("failed", "disconnected")
    assert "WhatsApp session is starting" in row["error"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(f"/messages/{message.pk}/").content.decode()
    assert "Not sent: WhatsApp disconnected" in english
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]

    assert client.post(f"/messages/{message.pk}/retry/").status_code == 200
    emulator.whatsapp_reachable = True
    emulator.scan_qr()
    supervise(made.instance)
    sender_passes(3, force_due=False)

    message.refresh_from_db()
    assert message.status == "sent"
    assert [d["text"] for d in emulator.delivered] == ["Chegou o boleto"]


@override_settings(**FAST)
def test_an_instance_without_an_engine_fails_the_send_in_the_readers_language(make_tenant,
                                                                              client):
    made = make_tenant("wppconnect")  # `ponte init` without --engine-url
    client.login(username=made.owner_email, password=made.owner_password)
    message = queue(made.org, "5531987654321", "Oi")

    sender_passes(1, force_due=False)

    message.refresh_from_db()
    assert (message.status, message.failure) == ("failed", "no_engine")
    html = client.get(f"/messages/{message.pk}/").content.decode()
    assert "Não enviada: nenhum motor de WhatsApp configurado" in html
    assert "no engine configured" not in html
