"""Internal notes through the API: read newest first in pages, written in the key's name."""

import pytest
from django.test import Client

from ponte.conversations.models import Message
from ponte.desk.models import Note, Notification
from ponte.desk.notes import do_add_note
from ponte.desk.test_notes import shop  # noqa: F401 - the fixture
from ponte.web.test_workspace import add_chat

pytestmark = pytest.mark.django_db


def api(shop) -> tuple[Client, dict]:  # noqa: F811
    return Client(), {"Authorization": f"Bearer {shop.api_key}"}


def test_notes_are_listed_newest_first_in_pages(shop):  # noqa: F811
    chat = add_chat(shop, "+5531987654321", "Ana Souza")
    for n in range(3):
        do_add_note(chat, shop.owner, f"nota {n}")
    client, headers = api(shop)

    first = client.get(f"/api/v1/conversations/{chat.pk}/notes?limit=2", headers=headers).json()
    rest = client.get(f"/api/v1/conversations/{chat.pk}/notes?limit=2&before="
                      f"{first['next_before']}", headers=headers).json()

    assert [n["text"] for n in first["items"]] == ["nota 2", "nota 1"]
    assert [n["text"] for n in rest["items"]] == ["nota 0"] and rest["next_before"] is None
    assert first["items"][0]["author"] == "Caio"


def test_a_note_written_with_a_key_is_signed_with_its_name_and_notifies(shop):  # noqa: F811
    chat = add_chat(shop, "+5531987654321", "Ana Souza")
    client, headers = api(shop)

    answer = client.post(f"/api/v1/conversations/{chat.pk}/notes", {"text": "@bia ligar hoje"},
                         content_type="application/json", headers=headers)

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["author"] == "Chave de API “ponte init”"
    assert body["mentions"] == [{"id": shop.bia.pk, "name": "Bia Lima"}]
    assert Note.objects.get().author is None
    assert Notification.objects.get().user == shop.bia
    assert Message.objects.count() == 0


def test_a_blank_note_or_another_organizations_chat_is_refused(shop, make_tenant):  # noqa: F811
    chat = add_chat(shop, "+5531987654321", "Ana Souza")
    theirs = add_chat(make_tenant(name="Outra"), "+5511912345678", "Zé")
    client, headers = api(shop)

    blank = client.post(f"/api/v1/conversations/{chat.pk}/notes", {"text": " "},
                        content_type="application/json", headers=headers)
    foreign = client.get(f"/api/v1/conversations/{theirs.pk}/notes", headers=headers)
    bad_cursor = client.get(f"/api/v1/conversations/{chat.pk}/notes?before=xyz",
                            headers=headers)

    assert (blank.status_code, blank.json()["error"]) == (400, "empty_note")
    assert foreign.status_code == 404
    assert bad_cursor.status_code == 400
    assert client.get(f"/api/v1/conversations/{chat.pk}/notes").status_code == 401
