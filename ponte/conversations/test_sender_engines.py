"""The send guarantees hold on every engine, each through its own emulator over HTTP."""

import pytest
from django.test import override_settings

from emulators import cloudapi, evolution, wppconnect
from ponte.accounts.models import Organization
from ponte.accounts.services import do_create_instance
from ponte.conversations.models import Message
from ponte.conversations.outbound import check_send_message, do_queue_message
from tests.support import send_until_settled

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
SECRET = "engine-secret-0001"
FAST = {"PONTE_SEND_BACKOFF_SECONDS": 0.0, "PONTE_RECONCILE_DELAY_SECONDS": 0.0,
        "PONTE_ENGINE_READ_TIMEOUT": 0.5, "PONTE_ENGINE_CONNECT_TIMEOUT": 1.0}


def emulator_for(engine: str, session: str):
    if engine == "wppconnect":
        return wppconnect.Emulator(secrets=[SECRET], state="CONNECTED", logged_in=True,
                                   auto_ack=False)
    if engine == "evolution":
        return evolution.Emulator(secrets=[SECRET], instance=session)
    return cloudapi.Emulator(secrets=[SECRET], phone_number_id="1065403522")


@pytest.fixture(params=["wppconnect", "evolution", "cloudapi"])
def shop(request):
    org = Organization.objects.create(name="Loja")
    instance = do_create_instance(org, request.param, secrets_list=[SECRET],
                                  phone_number_id="1065403522")
    emulator = emulator_for(request.param, instance.session_name).start()
    instance.base_url = emulator.base_url
    instance.state = "connected"  # as the supervisor finds it: sends wait otherwise
    instance.save(update_fields=["base_url", "state"])
    yield org, emulator
    emulator.stop()


def settle(org, text: str) -> Message:
    chat = check_send_message(org, to="5531987654321", text=text)
    return send_until_settled(do_queue_message(chat, text))


@override_settings(**FAST)
def test_504_twice_then_success_delivers_exactly_once(shop):
    org, emulator = shop
    emulator.fail_next("send_text", status=504, times=2)
    message = settle(org, "Seu pedido saiu!")
    assert message.status == "sent"
    assert len(emulator.delivered) == 1
    assert message.engine_message_id == emulator.delivered[0]["engine_message_id"]


@override_settings(**FAST)
def test_lost_answer_never_sends_twice(shop):
    org, emulator = shop
    emulator.hang_next("send_text", seconds=2.0, deliver=True)
    message = settle(org, "Chegou o boleto")
    assert len(emulator.delivered) == 1
    if isinstance(emulator, cloudapi.Emulator):
        # No chat history to look in: Ponte says so instead of risking a second copy.
        assert message.status == "failed" and "may have been delivered" in message.error
    else:
        assert message.status == "sent"
        assert message.engine_message_id == emulator.delivered[0]["engine_message_id"]
