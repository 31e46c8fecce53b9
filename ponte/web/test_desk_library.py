"""Settings › Etiquetas and › Respostas rápidas, the chat's label chips and the composer's
quick replies, through Django's test client."""

import pytest
from django.contrib.auth import get_user_model

from ponte.accounts.models import Role
from ponte.desk.labels import do_set_labels
from ponte.desk.models import ConversationEvent, Label, QuickReply
from ponte.desk.quick_replies import do_create_quick_reply
from ponte.web.test_settings_privacy import add_member, owner_of
from ponte.web.test_workspace import add_chat

pytestmark = pytest.mark.django_db
HOSTILE = '<img src=x onerror="alert(1)">'


def test_an_agent_cannot_open_or_change_the_labels_page(make_tenant):
    shop = make_tenant()
    label = Label.objects.create(org=shop.org, name="Troca")
    agent = add_member(shop, Role.AGENT)
    assert agent.get("/settings/labels/").status_code == 403
    assert agent.post("/settings/labels/new/", {"name": "X"}).status_code == 403
    assert agent.post(f"/settings/labels/{label.pk}/", {"name": "Y"}).status_code == 403
    assert agent.post(f"/settings/labels/{label.pk}/delete/").status_code == 403
    assert list(Label.objects.values_list("name", flat=True)) == ["Troca"]


def test_a_manager_creates_renames_recolours_and_deletes_a_label(make_tenant):
    shop = make_tenant()
    admin = add_member(shop, Role.ADMIN)
    response = admin.post("/settings/labels/new/", {"name": " Troca ", "colour": "#1D4ED8"},
                          follow=True)
    assert "Etiqueta “Troca” criada." in response.content.decode()
    label = Label.objects.get()
    assert label.colour == "#1d4ed8"
    admin.post(f"/settings/labels/{label.pk}/", {"name": "Trocas", "colour": "#15803d"})
    label.refresh_from_db()
    assert (label.name, label.colour) == ("Trocas", "#15803d")

    do_set_labels(add_chat(shop, "+5531987654321"), ["Trocas"])
    do_set_labels(add_chat(shop, "+5531987654322"), ["Trocas"])
    confirm = admin.get(f"/settings/labels/{label.pk}/delete/").content.decode()
    assert "Ela sai de 2 conversas." in confirm and Label.objects.exists()
    admin.post(f"/settings/labels/{label.pk}/delete/")
    assert not Label.objects.exists()


def test_a_duplicate_or_blank_label_is_refused_on_the_page(make_tenant):
    shop = make_tenant()
    owner = owner_of(shop)
    owner.post("/settings/labels/new/", {"name": "VIP"})
    taken = owner.post("/settings/labels/new/", {"name": "vip"})
    assert taken.status_code == 409 and "Já existe uma etiqueta" in taken.content.decode()
    assert owner.post("/settings/labels/new/", {"name": " "}).status_code == 422
    assert Label.objects.count() == 1


def test_hostile_names_and_texts_are_shown_as_text(make_tenant):
    shop = make_tenant()
    owner = owner_of(shop)
    owner.post("/settings/labels/new/", {"name": HOSTILE[:60]})
    owner.post("/settings/quick-replies/new/", {"shortcut": "x", "text": HOSTILE})
    chat = add_chat(shop, "+5531987654321")
    do_set_labels(chat, [HOSTILE[:60]])
    for page in (owner.get("/settings/labels/"), owner.get("/settings/quick-replies/"),
                 owner.get(f"/conversations/{chat.pk}/labels/")):
        text = page.content.decode()
        assert "<img src=x" not in text and "&lt;img src=x" in text


def test_every_member_manages_quick_replies(make_tenant):
    shop = make_tenant()
    agent = add_member(shop, Role.AGENT)
    assert "Respostas rápidas" in agent.get("/").content.decode()  # the way in, for agents
    assert agent.get("/settings/quick-replies/").status_code == 200
    agent.post("/settings/quick-replies/new/", {"shortcut": "/entrega", "text": "Olá {nome}"})
    reply = QuickReply.objects.get()
    assert reply.shortcut == "entrega"
    agent.post(f"/settings/quick-replies/{reply.pk}/", {"shortcut": "entrega", "text": "Oi"})
    reply.refresh_from_db()
    assert reply.text == "Oi"
    taken = agent.post("/settings/quick-replies/new/", {"shortcut": "ENTREGA", "text": "b"})
    assert taken.status_code == 409
    agent.post(f"/settings/quick-replies/{reply.pk}/delete/")
    assert not QuickReply.objects.exists()
    page = agent.get("/settings/quick-replies/").content.decode()
    assert 'href="/settings/privacy/"' not in page  # the nav hides what agents cannot open


def test_labels_are_added_by_name_created_on_first_use_and_removed_in_the_chat(make_tenant):
    shop = make_tenant()
    agent = add_member(shop, Role.AGENT)
    Label.objects.create(org=shop.org, name="Troca", colour="#1d4ed8")
    chat = add_chat(shop, "+5531987654321", "Ana Souza")
    url = f"/conversations/{chat.pk}/labels/"
    chips = agent.post(url, {"add": "troca"}).content.decode()
    assert 'class="label-chip" data-colour="#1d4ed8"' in chips and ">Troca<" in chips
    agent.post(url, {"add": "Atacado"})
    assert sorted(label.name for label in chat.labels.all()) == ["Atacado", "Troca"]
    troca = Label.objects.get(name="Troca")
    agent.post(url, {"remove": str(troca.pk)})
    assert [label.name for label in chat.labels.all()] == ["Atacado"]
    assert ConversationEvent.objects.filter(kind="labelled").count() == 3
    assert agent.post(url, {"add": "x" * 61}).status_code == 422
    chat_page = agent.get(f"/conversations/{chat.pk}/").content.decode()
    assert f'hx-get="{url}"' in chat_page and 'id="quick-replies"' in chat_page


def test_the_composer_gets_replies_filled_for_this_chat_and_nothing_is_sent(make_tenant):
    shop = make_tenant()
    user = get_user_model().objects.get(email=shop.owner_email)
    user.first_name = "Carla"
    user.save()
    do_create_quick_reply(shop.org.pk, "entrega", "Olá {nome}, aqui é {atendente}.")
    do_create_quick_reply(shop.org.pk, "pix", "Chave: 123")
    chat = add_chat(shop, "+5531987654321", "Ana Souza")
    owner = owner_of(shop)
    items = owner.get(f"/conversations/{chat.pk}/quick-replies/", {"q": "ent"}).json()["items"]
    assert [(i["shortcut"], i["text"]) for i in items] == [
        ("entrega", "Olá Ana, aqui é Carla.")]
    assert len(owner.get(f"/conversations/{chat.pk}/quick-replies/").json()["items"]) == 2
    assert not chat.messages.exists()
    other = make_tenant()
    foreign = add_chat(other, "+5531987654322")
    assert owner.get(f"/conversations/{foreign.pk}/quick-replies/").status_code == 404
