"""Internal notes: who a note mentions, who is told, and that the customer never gets it."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from emulators import wppconnect
from ponte import realtime
from ponte.accounts.models import Member
from ponte.conversations.models import Message
from ponte.conversations.sender import Sender
from ponte.desk.models import Note, Notification
from ponte.desk.notes import do_add_note, mentioned_in, org_members
from ponte.desk.notifications import notification_text
from ponte.errors import Refused
from ponte.web.test_workspace import add_chat

pytestmark = pytest.mark.django_db


def add_member(org, email: str, first_name: str = "", last_name: str = ""):
    user = get_user_model().objects.create_user(username=email, email=email, password="s3nha-forte",
                                                first_name=first_name, last_name=last_name)
    Member.objects.create(org=org, user=user, role="agent")
    return user


@pytest.fixture
def shop(make_tenant):
    """An owner, Caio, and two attendants, Bia and João."""
    made = make_tenant()
    owner = get_user_model().objects.get(email=made.owner_email)
    owner.first_name = "Caio"
    owner.save()
    return SimpleNamespace(**vars(made), owner=owner,
                           bia=add_member(made.org, "beatriz.lima@loja.test", "Bia", "Lima"),
                           joao=add_member(made.org, "jsilva@loja.test", "João", "Silva"))


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, dict]]:
    events: list[tuple[str, dict]] = []
    monkeypatch.setattr(realtime, "publish", lambda org, kind, data: events.append((kind, data)))
    return events


def test_members_are_mentioned_by_first_name_or_email_accents_and_capitals_ignored(shop):
    members = org_members(shop.org.pk)

    assert mentioned_in("@bia e @JOAO, vejam", members) == [shop.bia, shop.joao]
    assert mentioned_in("falei com @jsilva.", members) == [shop.joao]
    assert mentioned_in("(@beatriz.lima) confirma", members) == [shop.bia]
    assert mentioned_in("mande para bia@loja.test, sem menção", members) == []
    assert mentioned_in("@ninguem aqui", members) == []


def test_a_note_notifies_each_member_it_mentions_but_not_its_author(
        shop, published, django_capture_on_commit_callbacks):
    chat = add_chat(shop, "+5531987654321", "Ana Souza")

    with django_capture_on_commit_callbacks(execute=True):
        note = do_add_note(chat, shop.owner, "@Bia @joao @caio: cliente quer troca do 42")

    assert set(note.mentions.all()) == {shop.bia, shop.joao, shop.owner}
    told = Notification.objects.filter(note=note).order_by("user__email")
    assert [n.user for n in told] == [shop.bia, shop.joao]
    assert notification_text(told[0]) == "Caio mencionou você em Ana Souza"
    assert ("note.created", {"conversation_id": chat.pk, "note_id": note.pk}) in published
    assert ("notification.new", {"user_id": shop.bia.pk}) in published
    assert ("notification.new", {"user_id": shop.owner.pk}) not in published


def test_a_person_of_another_organization_is_never_mentioned(shop, make_tenant):
    other = make_tenant(name="Outra loja")
    stranger = add_member(other.org, "bia@outra.test", "Bia")
    chat = add_chat(shop, "+5531987654321", "Ana Souza")

    note = do_add_note(chat, shop.owner, "@bia veja isto")

    assert list(note.mentions.all()) == [shop.bia]
    assert not Notification.objects.filter(user=stranger).exists()


@pytest.mark.parametrize(("text", "code", "words"), [
    ("   \n ", "empty_note", "A nota está vazia"),
    ("x" * 4097, "note_too_long", "no máximo 4096 caracteres"),
])
def test_a_blank_or_too_long_note_is_refused_in_portuguese(shop, text, code, words):
    chat = add_chat(shop, "+5531987654321", "Ana Souza")

    with pytest.raises(Refused) as refused:
        do_add_note(chat, shop.owner, text)

    assert refused.value.code == code and words in refused.value.detail
    assert not Note.objects.exists()


def test_a_note_never_reaches_the_engine(shop):
    emulator = wppconnect.Emulator(secrets=["segredo-wpp"], state="CONNECTED", logged_in=True)
    emulator.start()
    try:
        shop.instance.base_url = emulator.base_url
        shop.instance.state = "connected"
        shop.instance.save(update_fields=["base_url", "state"])
        chat = add_chat(shop, "+5531987654321", "Ana Souza")
        client = Client()
        client.login(username=shop.owner_email, password=shop.owner_password)

        answer = client.post(f"/conversations/{chat.pk}/notes/",
                             {"text": "cliente pediu desconto, @bia autoriza?"},
                             headers={"HX-Request": "true"})
        Sender().send_due()

        assert answer.status_code == 201
        assert Note.objects.filter(conversation=chat).count() == 1
        assert Message.objects.count() == 0
        assert emulator.requests == [] and emulator.delivered == []
    finally:
        emulator.stop()
