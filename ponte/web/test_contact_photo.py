"""The contact's WhatsApp picture: asked of the engine (the WPPConnect emulator) when needed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from emulators.wppconnect import Emulator
from ponte.conversations.models import Contact, Conversation

pytestmark = pytest.mark.django_db
SECRET = "photo-secret-0001"
CUSTOMER = "5531987654321"


@pytest.fixture
def engine():
    emulator = Emulator(secrets=[SECRET], state="CONNECTED").start()
    yield emulator
    emulator.stop()


@pytest.fixture
def chat(make_tenant, engine, client) -> Conversation:
    tenant = make_tenant(engine_url=engine.base_url, secrets_list=[SECRET])
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    contact = Contact.objects.create(org=tenant.org, e164="+" + CUSTOMER, push_name="Ana Foto")
    return Conversation.objects.create(org=tenant.org, instance=tenant.instance, contact=contact)


def photo_asks(engine: Emulator) -> int:
    return sum(r.operation == "profile_picture" for r in engine.requests)


def test_the_picture_is_asked_when_the_chat_opens_then_kept_for_a_day(chat, engine, client):
    url = engine.set_picture(CUSTOMER)
    photo_path = f"/conversations/{chat.pk}/photo/"
    assert photo_path in client.get(f"/conversations/{chat.pk}/").content.decode()

    response = client.get(photo_path)
    answer = response.content.decode()

    assert response["HX-Trigger"] == "ponte:photo-changed", "the inbox row refreshes"
    assert f'<img src="{url}"' in answer and 'id="chat-avatar" hx-swap-oob="true"' in answer
    assert photo_asks(engine) == 1
    assert client.get(photo_path).get("HX-Trigger") is None, "unchanged: nothing to refresh"
    page = client.get(f"/conversations/{chat.pk}/").content.decode()
    assert photo_path not in page, "a fresh picture is not asked again"
    assert page.count(f'<img src="{url}"') == 3, "inbox row, chat header and customer panel"

    Contact.objects.filter(pk=chat.contact_id).update(
        photo_checked_at=timezone.now() - timedelta(hours=25))
    client.get(photo_path)
    assert photo_asks(engine) == 2
    tokens = [r for r in engine.requests if r.operation == "token"]
    assert len(tokens) == 1, "the token the engine issued is kept for the next ask"


def test_a_person_without_a_picture_keeps_the_initials(chat, engine, client):
    answer = client.get(f"/conversations/{chat.pk}/photo/").content.decode()

    assert "<img" not in answer and ">AF</span>" in answer
    chat.contact.refresh_from_db()
    assert chat.contact.photo_url == "" and chat.contact.photo_checked_at is not None


def test_an_engine_failure_keeps_the_old_picture_and_asks_again_soon(chat, engine, client):
    old = "https://pps.whatsapp.net/v/old.jpg?oe=1"
    Contact.objects.filter(pk=chat.contact_id).update(
        photo_url=old, photo_checked_at=timezone.now() - timedelta(days=2))
    engine.fail_next("profile_picture", status=500)

    answer = client.get(f"/conversations/{chat.pk}/photo/").content.decode()

    assert f'<img src="{old}"' in answer
    chat.contact.refresh_from_db()
    age = timezone.now() - chat.contact.photo_checked_at
    assert timedelta(hours=23) < age < timedelta(hours=24), "asked again in about 15 minutes"


def test_a_picture_url_is_escaped_in_the_page(chat, client):
    Contact.objects.filter(pk=chat.contact_id).update(
        photo_url='https://x.test/a.jpg"><script>alert(1)</script>',
        photo_checked_at=timezone.now())

    page = client.get(f"/conversations/{chat.pk}/").content.decode()

    assert "<script>alert(1)" not in page
    assert 'a.jpg&quot;&gt;&lt;script&gt;' in page


def test_another_organizations_chat_has_no_picture_for_you(chat, make_tenant, client):
    other = make_tenant()
    client.login(username=other.owner_email, password=other.owner_password)
    assert client.get(f"/conversations/{chat.pk}/photo/").status_code == 404


def test_without_an_engine_to_ask_the_chat_does_not_keep_asking(make_tenant, client):
    tenant = make_tenant()  # no engine configured
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    contact = Contact.objects.create(org=tenant.org, e164="+" + CUSTOMER, push_name="Ana")
    chat = Conversation.objects.create(org=tenant.org, instance=tenant.instance, contact=contact)
    photo_path = f"/conversations/{chat.pk}/photo/"

    assert "<img" not in client.get(photo_path).content.decode()
    assert photo_path not in client.get(f"/conversations/{chat.pk}/").content.decode()
