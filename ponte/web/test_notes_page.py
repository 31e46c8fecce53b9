"""Writing an internal note in the chat, and seeing it in the history, through the web."""

import pytest
from django.test import Client

from ponte.desk.models import Note, Notification
from ponte.desk.notes import do_add_note
from ponte.desk.test_notes import add_member, shop  # noqa: F401 - the fixture
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db


def signed_in(email: str, password: str) -> Client:
    client = Client()
    assert client.login(username=email, password=password)
    return client


@pytest.fixture
def owner(shop):  # noqa: F811
    return signed_in(shop.owner_email, shop.owner_password)


def test_the_chat_offers_a_yellow_internal_note_box_beside_the_composer(shop, owner):  # noqa: F811
    chat = add_chat(shop, "+5531987654321", "Ana Souza")

    page = owner.get(f"/conversations/{chat.pk}/").content.decode()

    assert 'id="note-composer"' in page and "Nota interna — o cliente não vê" in page
    assert f'action="/conversations/{chat.pk}/notes/"' in page
    assert 'id="composer"' in page  # the message composer is still there, unchanged


def test_a_note_written_in_the_chat_is_drawn_with_its_mentions_marked(shop, owner):  # noqa: F811
    chat = add_chat(shop, "+5531987654321", "Ana Souza")
    add_message(chat, "quero trocar o tênis")

    answer = owner.post(f"/conversations/{chat.pk}/notes/", {"text": "@bia confere o estoque"},
                        headers={"HX-Request": "true"})

    assert answer.status_code == 201
    note = Note.objects.get()
    assert f'id="note-{note.pk}"' in answer.content.decode()
    assert '<span class="mention">@bia</span> confere o estoque' in answer.content.decode()
    history = owner.get(f"/conversations/{chat.pk}/history/").content.decode()
    assert history.index("quero trocar o tênis") < history.index(f'id="note-{note.pk}"')
    assert Notification.objects.get().user == shop.bia


def test_without_javascript_a_note_goes_back_to_the_chat(shop, owner):  # noqa: F811
    chat = add_chat(shop, "+5531987654321", "Ana Souza")

    answer = owner.post(f"/conversations/{chat.pk}/notes/", {"text": "ligar amanhã"})

    assert answer.status_code == 302 and answer.url == f"/conversations/{chat.pk}/"


def test_a_blank_note_is_refused_in_portuguese(shop, owner):  # noqa: F811
    chat = add_chat(shop, "+5531987654321", "Ana Souza")

    answer = owner.post(f"/conversations/{chat.pk}/notes/", {"text": "  "},
                        headers={"HX-Request": "true"})

    assert answer.status_code == 422
    assert "A nota está vazia" in answer.content.decode()


def test_hostile_text_in_a_note_and_its_authors_name_is_shown_as_text(shop, owner):  # noqa: F811
    chat = add_chat(shop, "+5531987654321", "Ana Souza")
    shop.owner.first_name = "<img src=x onerror=alert(1)>"
    shop.owner.save()
    note = do_add_note(chat, shop.owner, '<script>alert("x")</script> @bia"><b>')

    drawn = owner.get(f"/notes/{note.pk}/").content.decode()

    assert "<script>" not in drawn and "<img" not in drawn and "<b>" not in drawn
    assert "&lt;script&gt;" in drawn and "&lt;img src=x" in drawn


def test_a_note_of_another_organization_is_not_found(shop, make_tenant):  # noqa: F811
    other = make_tenant(name="Outra")
    theirs = do_add_note(add_chat(other, "+5511912345678", "Zé"), None, "segredo",
                         author_name="Chave")
    chat = add_chat(shop, "+5531987654321", "Ana Souza")
    client = signed_in(shop.owner_email, shop.owner_password)

    assert client.get(f"/notes/{theirs.pk}/").status_code == 404
    assert client.post(f"/conversations/{theirs.conversation_id}/notes/",
                       {"text": "oi"}).status_code == 404
    assert Note.objects.filter(conversation=chat).count() == 0


def test_the_note_box_offers_the_organizations_members_to_mention(shop, make_tenant):  # noqa: F811
    add_member(make_tenant(name="Outra").org, "intruso@outra.test", "Intruso")
    client = signed_in(shop.owner_email, shop.owner_password)

    members = client.get("/mentions/").json()["members"]

    handles = {person["handle"] for person in members}
    assert {"Bia", "João", "Caio"} <= handles and "Intruso" not in handles
