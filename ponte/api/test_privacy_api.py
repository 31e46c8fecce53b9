"""Hidden numbers, LGPD requests and the privacy records through the REST API."""

import json
from urllib.parse import quote

import pytest
from django.test import Client

from ponte.api.test_api import store
from ponte.conversations.models import Contact, Conversation, Message
from ponte.inbox.pipeline import drain
from ponte.privacy.models import HiddenNumber, PrivacyRecord
from ponte.privacy.test_hiding import (
    HIDDEN_8,
    HIDDEN_E164,
    HIDDEN_LID,
    MARKER,
    OTHER,
    post,
    stored_mentions,
    wpp_lid_link,
)
from tests.support import wppconnect_text

pytestmark = pytest.mark.django_db(transaction=True)


class Api:
    """A client speaking with one organization's key."""

    def __init__(self, tenant) -> None:
        self.client = Client(raise_request_exception=False)
        self.headers = {"Authorization": f"Bearer {tenant.api_key}"}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self.headers)

    def post(self, path: str, body, raw: bool = False):
        data = body if raw else json.dumps(body)
        return self.client.post(f"/api/v1{path}", data=data, content_type="application/json",
                                headers=self.headers)

    def patch(self, path: str, body: dict):
        return self.client.patch(f"/api/v1{path}", data=body, content_type="application/json",
                                 headers=self.headers)

    def delete(self, path: str):
        return self.client.delete(f"/api/v1{path}", headers=self.headers)

    def hide(self, phone: str, note: str = ""):
        return self.post("/hidden-numbers", {"phone": phone, "note": note})


def talk_with_the_hidden_person(tenant) -> None:
    """Messages with the marker from both the 8-digit JID and a mapped @lid, and another chat."""
    post(tenant.instance, wppconnect_text(HIDDEN_8, "M1", f"oi {MARKER}"))
    post(tenant.instance, wpp_lid_link(HIDDEN_LID, "5531987654321", "M2", f"lid {MARKER}"))
    post(tenant.instance, wppconnect_text(OTHER, "O1", "outra pessoa"))
    drain()
    assert Message.objects.filter(text__contains=MARKER).count() == 2


def test_hiding_answers_201_with_the_entry_and_who_hid_it(make_tenant):
    api = Api(make_tenant())

    response = api.hide("(31) 98765-4321", note="família")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "e164", "note", "created_at", "created_by"}
    assert body["e164"] == HIDDEN_E164 and body["note"] == "família"
    assert body["created_by"] == "Chave de API “ponte init”"
    assert api.get(f"/hidden-numbers/{body['id']}").json() == body


def test_hiding_twice_answers_200_with_the_first_entry_and_purges_again(make_tenant):
    tenant = make_tenant()
    api = Api(tenant)
    first = api.hide("+55 31 98765-4321", note="família").json()
    store(tenant.instance, f"{HIDDEN_8}@c.us", "R1", 1, MARKER)  # slipped in through a race
    assert stored_mentions(MARKER) == ["conversations.Message"]

    again = api.hide(f"{HIDDEN_8}@c.us", note="outra nota")

    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["note"] == "família"
    assert stored_mentions(MARKER) == []
    assert HiddenNumber.objects.count() == 1


@pytest.mark.parametrize("phone", ["amanhã", "123", "  ", "abc@g.us", "9" * 40, "+1 \x00 555"])
def test_an_unreadable_phone_is_a_422_saying_how_to_type_it(make_tenant, phone):
    api = Api(make_tenant())

    response = api.hide(phone)

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_phone"
    assert "número de telefone" in body["detail"] and "(31) 98765-4321" in body["detail"]
    assert not HiddenNumber.objects.exists() and not PrivacyRecord.objects.exists()


def test_hidden_numbers_are_listed_newest_first_across_pages(make_tenant):
    api = Api(make_tenant())
    phones = [f"+55319876543{n:02d}" for n in range(7)]
    for phone in phones:
        assert api.hide(phone).status_code == 201
    seen, before = [], None
    while True:
        page = api.get("/hidden-numbers", {"limit": 3} | ({"before": before} if before else {}))
        assert page.status_code == 200 and len(page.json()["items"]) <= 3
        seen += [item["e164"] for item in page.json()["items"]]
        before = page.json()["next_before"]
        if before is None:
            break
    assert seen == phones[::-1]
    assert api.get("/hidden-numbers", {"before": "nope"}).json()["error"] == "bad_cursor"


def test_unhiding_is_a_204_and_another_organizations_id_is_a_404(make_tenant):
    ours, theirs = Api(make_tenant(name="Nossa")), Api(make_tenant(name="Deles"))
    hidden = ours.hide("(31) 98765-4321").json()

    assert theirs.delete(f"/hidden-numbers/{hidden['id']}").status_code == 404
    assert theirs.get(f"/hidden-numbers/{hidden['id']}").json()["error"] == "not_found"
    assert theirs.get("/hidden-numbers").json()["items"] == []

    response = ours.delete(f"/hidden-numbers/{hidden['id']}")
    assert response.status_code == 204 and response.content == b""
    assert ours.get(f"/hidden-numbers/{hidden['id']}").status_code == 404
    assert ours.delete(f"/hidden-numbers/{hidden['id']}").status_code == 404
    assert [r["action"] for r in ours.get("/privacy-records").json()["items"]] == [
        "unhide", "hide"]


def test_the_api_lists_nothing_for_the_number_after_hiding_it_in_another_form(make_tenant):
    tenant = make_tenant()
    api = Api(tenant)
    talk_with_the_hidden_person(tenant)
    chats = api.get("/conversations", {"phone": "+5531987654321"}).json()["items"]
    assert len(chats) == 1
    message_id = Message.objects.filter(text__contains=MARKER).first().pk

    assert api.hide("(31) 98765-4321").status_code == 201

    assert api.get("/conversations", {"phone": "+5531987654321"}).json()["items"] == []
    listed = api.get("/conversations").json()["items"]
    assert [chat["contact"]["e164"] for chat in listed] == ["+5521998765432"]
    assert api.get(f"/conversations/{chats[0]['id']}/messages").status_code == 404
    assert api.get(f"/messages/{message_id}").status_code == 404
    assert MARKER not in json.dumps(api.get(f"/conversations/{listed[0]['id']}/messages").json())


def test_sending_to_a_hidden_number_is_a_409_hidden_number(make_tenant):
    tenant = make_tenant()
    api = Api(tenant)
    post(tenant.instance, wppconnect_text(OTHER, "O1", "oi"))
    drain()
    api.hide("(31) 98765-4321")

    for target in ({"to": "+5531987654321"}, {"to": f"{HIDDEN_8}@c.us"}):
        response = api.post("/messages", {**target, "text": "oi"})
        assert response.status_code == 409
        assert response.json()["error"] == "hidden_number"
        assert "hidden" in response.json()["detail"]
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()


@pytest.mark.parametrize("phone", ["+5531987654321", "5531987654321@c.us",
                                   "(31) 98765-4321", "553187654321@s.whatsapp.net"])
def test_export_holds_every_message_of_the_person_whatever_form_the_path_has(make_tenant, phone):
    tenant = make_tenant()
    api = Api(tenant)
    talk_with_the_hidden_person(tenant)

    response = api.get(f"/people/{quote(phone, safe='@')}/export")

    assert response.status_code == 200, response.content
    document = response.json()
    assert document["phone"] == HIDDEN_E164 and document["hidden"] is False
    assert sorted(m["text"] for m in document["messages"]) == [f"lid {MARKER}", f"oi {MARKER}"]
    assert [c["e164"] for c in document["contacts"]] == [HIDDEN_E164]
    assert {h["value"] for h in document["handles"]} >= {HIDDEN_LID}
    assert len(document["conversations"]) == 1 and "leads" in document
    assert "outra pessoa" not in response.content.decode()
    record = PrivacyRecord.objects.get(action="export")
    assert record.counts["messages"] == 2 and record.actor_name == "Chave de API “ponte init”"


def test_erasing_a_person_leaves_nothing_but_an_audit_entry_and_does_not_hide(make_tenant):
    tenant = make_tenant()
    api = Api(tenant)
    talk_with_the_hidden_person(tenant)

    response = api.delete(f"/people/{quote('(31) 98765-4321')}")

    assert response.status_code == 200, response.content
    assert response.json()["phone"] == HIDDEN_E164
    assert response.json()["erased"]["messages"] == 2
    assert response.json()["erased"]["contacts"] == 1
    assert stored_mentions(MARKER) == []
    assert not Contact.objects.filter(e164=HIDDEN_E164).exists()
    assert Conversation.objects.count() == 1  # the other person's
    export = api.get("/people/+5531987654321/export").json()
    assert export["messages"] == [] and export["contacts"] == []
    records = api.get("/privacy-records").json()["items"]
    assert [r["action"] for r in records] == ["export", "erase"]
    assert records[1]["counts"] == response.json()["erased"] and records[1]["e164"] == HIDDEN_E164
    assert api.get("/hidden-numbers").json()["items"] == []
    assert post(tenant.instance, wppconnect_text(HIDDEN_8, "N1", "voltei")) == {
        "status": "accepted"}


def test_erasing_someone_ponte_never_heard_of_erases_nothing(make_tenant):
    api = Api(make_tenant())
    response = api.delete("/people/+5531987654321")
    assert response.status_code == 200 and response.json()["erased"] == {}


@pytest.mark.parametrize("phone", ["amanh%C3%A3", "%00", "1", "x" * 300])
def test_an_unreadable_phone_in_the_path_is_a_422(make_tenant, phone):
    api = Api(make_tenant())
    for response in (api.get(f"/people/{phone}/export"), api.delete(f"/people/{phone}")):
        assert response.status_code == 422, response.content
        assert response.json()["error"] == "invalid_phone"
    assert not PrivacyRecord.objects.exists()


def test_privacy_records_are_paged_readable_by_id_and_read_only(make_tenant):
    ours, theirs = Api(make_tenant(name="Nossa")), Api(make_tenant(name="Deles"))
    for n in range(5):
        ours.hide(f"+55319876543{n:02d}")
    seen, before = [], None
    while True:
        page = ours.get("/privacy-records", {"limit": 2} | ({"before": before} if before else {}))
        seen += page.json()["items"]
        before = page.json()["next_before"]
        if before is None:
            break
    assert [r["e164"] for r in seen] == [f"+55319876543{n:02d}" for n in range(4, -1, -1)]
    first = seen[0]
    assert set(first) == {"id", "action", "action_label", "e164", "actor", "counts",
                          "created_at"}
    assert first["action"] == "hide" and first["action_label"] == "Número ocultado"
    assert ours.get(f"/privacy-records/{first['id']}").json() == first
    assert theirs.get(f"/privacy-records/{first['id']}").status_code == 404
    assert theirs.get("/privacy-records").json()["items"] == []
    assert ours.post("/privacy-records", {"action": "erase"}).status_code == 405
    assert ours.delete(f"/privacy-records/{first['id']}").status_code == 405


@pytest.mark.parametrize(("body", "field"), [
    ({"phone": HIDDEN_E164, "note": "x" * 100_000}, "note"),
    ({"phone": HIDDEN_E164, "note": "a\x00b"}, "note"),
    ({"phone": HIDDEN_E164, "note": 5}, "note"),
    ({"phone": "9" * 100_000}, "phone"),
    ({"phone": ["+5531987654321"]}, "phone"),
    ({"note": "sem número"}, "phone"),
])
def test_a_hostile_body_is_a_422_naming_the_field(make_tenant, body, field):
    api = Api(make_tenant())
    response = api.post("/hidden-numbers", body)
    assert response.status_code == 422, response.content
    assert response.json()["error"] == "invalid"
    assert [error["field"] for error in response.json()["detail"]] == [field]
    assert not HiddenNumber.objects.exists()


@pytest.mark.parametrize("raw", ["[" * 100_000 + "]" * 100_000, '{"phone": ' * 50_000,
                                 "not json", "", '{"phone": "\\ud800"}', b"\xff\xfe"])
def test_a_body_that_is_not_json_we_can_read_is_a_4xx(make_tenant, raw):
    api = Api(make_tenant())
    response = api.post("/hidden-numbers", raw, raw=True)
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["error"]
    assert not HiddenNumber.objects.exists()
