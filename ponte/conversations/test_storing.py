"""One person, one conversation; acks and revokes land whichever arrives first."""

from datetime import UTC, datetime

import pytest

from ponte.conversations.contacts import do_link_identities
from ponte.conversations.models import Contact, ContactHandle, Conversation, Message
from ponte.conversations.storing import do_apply_status, do_revoke, do_store_inbound
from ponte.engines import InboundMessage
from ponte.identity import canonicalize

pytestmark = pytest.mark.django_db


def inbound(message_id: str, chat: str, *, alternate: str | None = None, from_me=False,
            second: int = 0, name: str | None = None) -> InboundMessage:
    who = canonicalize(chat)
    return InboundMessage(
        engine_message_id=message_id, chat=who, sender=who, from_me=from_me, text=message_id,
        timestamp=datetime(2026, 3, 1, 12, 0, second, tzinfo=UTC), push_name=name,
        alternate=canonicalize(alternate) if alternate else None)


def test_ninth_digit_variants_land_in_one_conversation(make_tenant):
    instance = make_tenant().instance
    do_store_inbound(instance, inbound("A", "5531987654321@c.us"))
    do_store_inbound(instance, inbound("B", "553187654321@s.whatsapp.net"))
    contact = Contact.objects.get()
    assert contact.e164 == "+5531987654321"
    assert Conversation.objects.get().messages.count() == 2
    assert set(contact.handles.values_list("value", flat=True)) == {
        "5531987654321", "553187654321"}


def test_status_that_arrives_before_its_message_is_applied_on_arrival(make_tenant):
    instance = make_tenant().instance
    do_apply_status(instance, "OUT1", "read")
    message = do_store_inbound(instance, inbound("OUT1", "5531987654321@c.us", from_me=True))
    message.refresh_from_db()
    assert message.status == "read"


def test_status_never_moves_backwards(make_tenant):
    instance = make_tenant().instance
    message = do_store_inbound(instance, inbound("OUT1", "5531987654321@c.us", from_me=True))
    do_apply_status(instance, "OUT1", "read")
    do_apply_status(instance, "OUT1", "delivered")
    message.refresh_from_db()
    assert message.status == "read"


def test_revoke_before_or_after_the_message_marks_it_revoked(make_tenant):
    instance = make_tenant().instance
    do_revoke(instance, "EARLY")
    early = do_store_inbound(instance, inbound("EARLY", "5531987654321@c.us"))
    late = do_store_inbound(instance, inbound("LATE", "5531987654321@c.us", second=1))
    do_revoke(instance, "LATE")
    early.refresh_from_db()
    late.refresh_from_db()
    assert early.revoked and late.revoked


def test_lid_contact_merges_into_phone_contact_when_mapping_is_revealed(make_tenant):
    instance = make_tenant().instance
    do_store_inbound(instance, inbound("L1", "187654321098765@lid", name="Mariana"))
    do_store_inbound(instance, inbound("P1", "5521998765432@s.whatsapp.net", second=2))
    assert Contact.objects.count() == 2
    do_link_identities(instance.org_id, canonicalize("187654321098765@lid"),
                       canonicalize("5521998765432@s.whatsapp.net"))
    contact = Contact.objects.get()
    assert contact.e164 == "+5521998765432"
    assert contact.push_name == "Mariana"
    chat = Conversation.objects.get()
    assert sorted(chat.messages.values_list("engine_message_id", flat=True)) == ["L1", "P1"]
    assert chat.unread_count == 2
    assert chat.last_message.engine_message_id == "P1"
    assert ContactHandle.objects.filter(kind="lid", contact=contact).exists()


def test_message_with_alternate_phone_joins_the_phone_contact(make_tenant):
    instance = make_tenant().instance
    do_store_inbound(instance, inbound("L1", "187654321098765@lid"))
    do_store_inbound(instance, inbound("P1", "5521998765432@s.whatsapp.net",
                                       alternate="187654321098765@lid", second=1))
    assert Contact.objects.get().e164 == "+5521998765432"
    assert Message.objects.filter(conversation__contact__e164="+5521998765432").count() == 2


def test_reply_from_the_phone_clears_unread(make_tenant):
    instance = make_tenant().instance
    do_store_inbound(instance, inbound("A", "5531987654321@c.us"))
    do_store_inbound(instance, inbound("B", "5531987654321@c.us", second=1))
    assert Conversation.objects.get().unread_count == 2
    do_store_inbound(instance, inbound("C", "5531987654321@c.us", from_me=True, second=2))
    assert Conversation.objects.get().unread_count == 0


def test_older_message_arriving_late_does_not_become_the_last(make_tenant):
    instance = make_tenant().instance
    do_store_inbound(instance, inbound("NEW", "5531987654321@c.us", second=30))
    do_store_inbound(instance, inbound("OLD", "5531987654321@c.us", second=1))
    assert Conversation.objects.get().last_message.engine_message_id == "NEW"
