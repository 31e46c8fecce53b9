"""Labels and quick replies through the REST API: pages, 409 for a duplicate, 422 for a
blank or long one, and another shop's rows out of reach."""

import pytest

from ponte.api.test_privacy_api import Api
from ponte.desk.labels import do_set_labels
from ponte.desk.models import ConversationLabel, Label, QuickReply
from ponte.web.test_workspace import add_chat

pytestmark = pytest.mark.django_db


def test_labels_are_created_listed_in_pages_changed_and_deleted(make_tenant):
    shop = make_tenant()
    api = Api(shop)
    ids = [api.post("/labels", {"name": f"Etiqueta {n}"}).json()["id"] for n in range(3)]
    first = api.get("/labels", {"limit": 2}).json()
    assert [item["id"] for item in first["items"]] == [ids[2], ids[1]]
    rest = api.get("/labels", {"limit": 2, "before": first["next_before"]}).json()
    assert [item["id"] for item in rest["items"]] == [ids[0]] and rest["next_before"] is None

    chat = add_chat(shop, "+5531987654321")
    do_set_labels(chat, ["Etiqueta 0"])
    got = api.get(f"/labels/{ids[0]}").json()
    assert (got["name"], got["colour"], got["conversations"]) == ("Etiqueta 0", "#64748b", 1)
    changed = api.patch(f"/labels/{ids[0]}", {"colour": "#1D4ED8"}).json()
    assert (changed["name"], changed["colour"]) == ("Etiqueta 0", "#1d4ed8")
    assert api.delete(f"/labels/{ids[0]}").status_code == 204
    assert not ConversationLabel.objects.exists()
    assert api.get(f"/labels/{ids[0]}").status_code == 404


def test_a_duplicate_label_is_409_and_a_blank_or_long_one_422(make_tenant):
    api = Api(make_tenant())
    assert api.post("/labels", {"name": "Troca"}).status_code == 201
    taken = api.post("/labels", {"name": "TROCA"})
    assert taken.status_code == 409 and taken.json()["error"] == "label_taken"
    for body, code in (({"name": "  "}, "label_blank"), ({"name": "x" * 61}, "label_too_long"),
                       ({"name": "ok", "colour": "azul"}, "label_colour")):
        refused = api.post("/labels", body)
        assert refused.status_code == 422 and refused.json()["error"] == code
    assert Label.objects.count() == 1


def test_quick_replies_are_created_listed_changed_and_deleted(make_tenant):
    api = Api(make_tenant())
    made = api.post("/quick-replies", {"shortcut": "entrega", "text": "Olá {nome}!"})
    assert made.status_code == 201
    reply_id = made.json()["id"]
    assert api.get("/quick-replies").json()["items"][0]["text"] == "Olá {nome}!"
    changed = api.patch(f"/quick-replies/{reply_id}", {"text": "Oi {nome}"}).json()
    assert (changed["shortcut"], changed["text"]) == ("entrega", "Oi {nome}")
    assert api.get(f"/quick-replies/{reply_id}").json()["text"] == "Oi {nome}"
    assert api.delete(f"/quick-replies/{reply_id}").status_code == 204
    assert not QuickReply.objects.exists()


def test_a_duplicate_shortcut_is_409_and_a_blank_or_long_reply_422(make_tenant):
    api = Api(make_tenant())
    api.post("/quick-replies", {"shortcut": "pix", "text": "a"})
    taken = api.post("/quick-replies", {"shortcut": "PIX", "text": "b"})
    assert taken.status_code == 409 and taken.json()["error"] == "shortcut_taken"
    for body in ({"shortcut": "", "text": "a"}, {"shortcut": "ok", "text": " "},
                 {"shortcut": "ok", "text": "x" * 5000}, {"shortcut": "a" * 41, "text": "a"}):
        assert api.post("/quick-replies", body).status_code == 422


def test_another_shops_labels_and_replies_are_not_found(make_tenant):
    shop, other = make_tenant(), make_tenant()
    label = Api(other).post("/labels", {"name": "Deles"}).json()["id"]
    reply = Api(other).post("/quick-replies", {"shortcut": "d", "text": "d"}).json()["id"]
    api = Api(shop)
    assert api.get("/labels").json()["items"] == []
    for path in (f"/labels/{label}", f"/quick-replies/{reply}"):
        assert api.get(path).status_code == 404
        assert api.patch(path, {"name": "x"}).status_code == 404
        assert api.delete(path).status_code == 404
    assert Label.objects.filter(name="Deles").exists()
