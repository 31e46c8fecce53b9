"""Hiding a number: everything about the person goes at once, and nothing is stored again."""

import copy
import json

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from emulators.cloudapi import sign
from ponte.conversations.models import Contact, ContactHandle, Conversation, Message
from ponte.conversations.outbound import SendRejected, check_send_message
from ponte.conversations.search import found_messages
from ponte.diagnostics.models import DiagnosticEntry
from ponte.inbox.models import InboxEvent
from ponte.inbox.pipeline import drain
from ponte.privacy.models import DroppedCount, HiddenHandle, HiddenNumber, PrivacyRecord
from ponte.privacy.services import Actor, check_phone, do_hide_number, do_unhide_number
from tests.support import addressed_to, fixtures_dir, load_fixture, wppconnect_text

pytestmark = pytest.mark.django_db(transaction=True)

MARKER = "marcador-7f3a-sigiloso"
HIDDEN_8 = "553187654321"  # how WhatsApp writes the person: a legacy 8-digit JID
HIDDEN_E164 = "+5531987654321"
HIDDEN_LID = "276974622781686"
OTHER = "5521998765432"
OWNER = Actor(None, "dono@loja.com.br")
APP_SECRET = "test-app-secret"


def post(instance, body: dict) -> dict:
    raw = json.dumps(addressed_to(body, instance.session_name)).encode()
    response = Client().post(instance.webhook_path, data=raw, content_type="application/json",
                             headers={"X-Hub-Signature-256": sign(raw, APP_SECRET)})
    assert response.status_code == 200, response.content
    return response.json()


def wpp_lid_link(lid: str, phone: str, message_id: str, body: str) -> dict:
    """A WPPConnect message from an @lid chat whose sender carries the phone too."""
    message = wppconnect_text(phone, message_id, body)
    message.update(id=f"false_{lid}@lid_{message_id}", chatId=f"{lid}@lid",
                   **{"from": f"{lid}@lid"})
    message["sender"] = {"id": f"{lid}@lid", "phoneNumber": f"{phone}@c.us"}
    return message


def evolution_text(jid: str, message_id: str, body: str, alt: str | None = None,
                   from_me: bool = False) -> dict:
    payload = load_fixture(fixtures_dir() / "evolution" / "messages.upsert-text.json")
    key = payload["data"]["key"]
    key.update(remoteJid=jid, id=message_id, fromMe=from_me)
    if alt:
        key["remoteJidAlt"] = alt
    else:
        key.pop("remoteJidAlt", None)
    payload["data"]["message"] = {"conversation": body}
    return payload


def cloud_text(wa_id: str, message_id: str, body: str) -> dict:
    payload = load_fixture(fixtures_dir() / "cloudapi" / "text.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = wa_id
    value["messages"][0].update({"from": wa_id, "id": message_id, "text": {"body": body}})
    return payload


def table_sizes() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()
            if model is not DroppedCount}


def stored_mentions(text: str) -> list[str]:
    found = [m._meta.label for m in (Message, InboxEvent)
             if m.objects.filter(**{"text__contains" if m is Message else "body__contains": text})
             .exists()]
    return found


def test_a_number_typed_in_any_form_is_read_as_one_phone():
    for raw in ("(31) 98765-4321", "+55 31 98765-4321", "553187654321@c.us",
                "5531987654321@s.whatsapp.net", "31 8765-4321"):
        assert check_phone(raw) == HIDDEN_E164


def test_hiding_purges_messages_contact_handles_and_raw_bodies_in_every_form(make_tenant):
    tenant = make_tenant()
    post(tenant.instance, wppconnect_text(HIDDEN_8, "M1", f"oi {MARKER}"))
    post(tenant.instance, wpp_lid_link(HIDDEN_LID, "5531987654321", "M2", f"lid {MARKER}"))
    post(tenant.instance, wppconnect_text(OTHER, "O1", "outra pessoa"))
    drain()
    assert Message.objects.filter(text__contains=MARKER).count() == 2
    assert ContactHandle.objects.filter(value=HIDDEN_LID).exists()
    post(tenant.instance, wppconnect_text(HIDDEN_8, "M3", f"ainda na fila {MARKER}"))

    hidden, created = do_hide_number(tenant.org.pk, check_phone("(31) 98765-4321"), OWNER)

    assert created and hidden.e164 == HIDDEN_E164
    assert stored_mentions(MARKER) == []
    assert not Contact.objects.filter(e164=HIDDEN_E164).exists()
    assert not ContactHandle.objects.filter(value__in=[HIDDEN_LID, HIDDEN_8]).exists()
    assert Message.objects.filter(text="outra pessoa").count() == 1
    record = PrivacyRecord.objects.get(action="hide")
    assert record.counts["messages"] == 2 and record.counts["contacts"] == 1
    assert MARKER not in json.dumps(record.counts)
    assert set(HiddenHandle.objects.values_list("value", flat=True)) >= {
        "5531987654321", HIDDEN_8, HIDDEN_LID}


@pytest.mark.parametrize("engine, body", [
    ("wppconnect", wppconnect_text(HIDDEN_8, "N1", MARKER)),
    ("wppconnect", wppconnect_text("5531987654321", "N2", MARKER)),
    ("wppconnect", wpp_lid_link(HIDDEN_LID, "5531987654321", "N3", MARKER)),
    ("wppconnect", {**wppconnect_text(HIDDEN_LID, "N4", MARKER), "from": f"{HIDDEN_LID}@lid",
                    "chatId": f"{HIDDEN_LID}@lid", "id": f"false_{HIDDEN_LID}@lid_N4"}),
    ("wppconnect", {**wppconnect_text(HIDDEN_8, "N5", MARKER), "fromMe": True,
                    "from": "5511988880000@c.us", "to": f"{HIDDEN_8}@c.us",
                    "id": f"true_{HIDDEN_8}@c.us_N5"}),
    ("evolution", evolution_text(f"{HIDDEN_8}@s.whatsapp.net", "E1", MARKER)),
    ("evolution", evolution_text(f"{HIDDEN_LID}@lid", "E2", MARKER)),
    ("evolution", evolution_text("5531987654321@s.whatsapp.net", "E3", MARKER, from_me=True)),
    ("cloudapi", cloud_text("5531987654321", "wamid.H1", MARKER)),
    ("cloudapi", cloud_text(HIDDEN_8, "wamid.H2", MARKER)),
])
def test_a_hidden_number_grows_no_table_but_the_drop_counter(make_tenant, engine, body):
    tenant = make_tenant(engine, app_secret=APP_SECRET if engine == "cloudapi" else "")
    hidden, _ = do_hide_number(tenant.org.pk, HIDDEN_E164, OWNER)
    HiddenHandle.objects.get_or_create(org=tenant.org, hidden=hidden, value=HIDDEN_LID)
    before = table_sizes()

    assert post(tenant.instance, body) == {"status": "ignored"}
    drain()

    assert table_sizes() == before
    assert DroppedCount.objects.get(org=tenant.org, reason="hidden").count >= 1


def test_a_hidden_numbers_words_leave_the_search_index_at_once(make_tenant):
    tenant = make_tenant()
    post(tenant.instance, wppconnect_text(HIDDEN_8, "M1", f"oi {MARKER}"))
    post(tenant.instance, wppconnect_text(OTHER, "O1", "outra pessoa, nada sigiloso"))
    drain()
    assert len(found_messages(tenant.org.pk, "sigiloso")) == 2

    do_hide_number(tenant.org.pk, HIDDEN_E164, OWNER)

    assert [m.text for m in found_messages(tenant.org.pk, "sigiloso")] == [
        "outra pessoa, nada sigiloso"]
    assert not found_messages(tenant.org.pk, "marcador")
    if connection.vendor == "sqlite":  # FTS5 keeps a deleted row's words until it merges
        with connection.cursor() as cursor:
            cursor.execute("SELECT block FROM conversations_message_search_data")
            assert not [block for (block,) in cursor.fetchall() if b"7f3a" in block]


def test_other_numbers_are_untouched_by_a_hide(make_tenant):
    tenant = make_tenant()
    do_hide_number(tenant.org.pk, HIDDEN_E164, OWNER)
    assert post(tenant.instance, wppconnect_text(OTHER, "O1", "olá")) == {"status": "accepted"}
    drain()
    assert Message.objects.filter(text="olá").count() == 1
    assert DiagnosticEntry.objects.count() == 1


def test_a_body_with_a_hidden_and_another_message_keeps_only_the_other(make_tenant):
    tenant = make_tenant("cloudapi", app_secret=APP_SECRET)
    do_hide_number(tenant.org.pk, HIDDEN_E164, OWNER)
    body = cloud_text(OTHER, "wamid.A", "pode entregar amanhã?")
    value = body["entry"][0]["changes"][0]["value"]
    hidden_message = copy.deepcopy(value["messages"][0])
    hidden_message.update({"from": "5531987654321", "id": "wamid.B", "text": {"body": MARKER}})
    value["messages"].append(hidden_message)
    value["contacts"].append({"profile": {"name": "Sigilo"}, "wa_id": "5531987654321"})

    assert post(tenant.instance, body) == {"status": "accepted"}
    assert stored_mentions(MARKER) == []
    drain()
    assert stored_mentions(MARKER) == []
    assert Message.objects.filter(text="pode entregar amanhã?").count() == 1


def test_an_lid_learnt_after_the_hide_drops_too(make_tenant):
    tenant = make_tenant()
    do_hide_number(tenant.org.pk, HIDDEN_E164, OWNER)
    post(tenant.instance, wpp_lid_link(HIDDEN_LID, "5531987654321", "L1", MARKER))
    assert HiddenHandle.objects.filter(value=HIDDEN_LID).exists()
    lid_only = {**wppconnect_text(HIDDEN_LID, "L2", MARKER), "from": f"{HIDDEN_LID}@lid",
                "chatId": f"{HIDDEN_LID}@lid", "id": f"false_{HIDDEN_LID}@lid_L2"}
    assert post(tenant.instance, lid_only) == {"status": "ignored"}
    drain()
    assert stored_mentions(MARKER) == []
    assert not Contact.objects.exists()


def test_a_body_stored_before_a_hide_in_another_process_is_dropped_by_the_drainer(make_tenant):
    tenant = make_tenant()
    post(tenant.instance, wppconnect_text(HIDDEN_8, "R1", MARKER))
    # The hide lands between the webhook's answer and the drainer, as from another process.
    hidden = HiddenNumber.objects.create(org=tenant.org, e164=HIDDEN_E164)
    HiddenHandle.objects.create(org=tenant.org, hidden=hidden, value="5531987654321")
    drain()
    assert stored_mentions(MARKER) == []
    assert DroppedCount.objects.get(org=tenant.org, reason="hidden").count == 1


def test_sending_to_a_hidden_number_is_refused(make_tenant):
    tenant = make_tenant()
    post(tenant.instance, wppconnect_text(HIDDEN_8, "S1", "oi"))
    drain()
    chat = Conversation.objects.get()
    do_hide_number(tenant.org.pk, HIDDEN_E164, OWNER)
    for target in ({"to": "(31) 98765-4321"}, {"to": f"{HIDDEN_8}@c.us"}):
        with pytest.raises(SendRejected) as refused:
            check_send_message(tenant.org, text="oi", **target)
        assert refused.value.code == "hidden_number"
    with pytest.raises(SendRejected):
        check_send_message(tenant.org, text="oi", conversation_id=chat.pk)


def test_hiding_twice_is_not_an_error_and_unhiding_lets_messages_in_again(make_tenant):
    tenant = make_tenant()
    first, created = do_hide_number(tenant.org.pk, HIDDEN_E164, OWNER, note="família")
    again, created_again = do_hide_number(tenant.org.pk, HIDDEN_E164, OWNER)
    assert created and not created_again and first.pk == again.pk
    do_unhide_number(again, OWNER)
    assert not HiddenHandle.objects.exists()
    answer = post(tenant.instance, wppconnect_text(HIDDEN_8, "U1", "voltei"))
    assert answer == {"status": "accepted"}
    drain()
    assert Message.objects.filter(text="voltei").exists()
    assert list(PrivacyRecord.objects.order_by("id").values_list("action", flat=True)) == [
        "hide", "unhide"]


def test_privacy_records_cannot_be_edited(make_tenant):
    tenant = make_tenant()
    do_hide_number(tenant.org.pk, HIDDEN_E164, OWNER)
    record = PrivacyRecord.objects.get()
    record.counts = {"messages": 0}
    with pytest.raises(ValueError):
        record.save()
