"""Hiding a number from its chat: who may, what the confirmation says, and what is left after."""

import pytest
from django.contrib.auth import get_user_model

from ponte.accounts.models import Member, Role
from ponte.conversations.models import Contact, ContactHandle, Conversation, Message
from ponte.erp.models import Customer
from ponte.erp.services import do_upsert_customers
from ponte.leads.models import Lead
from ponte.privacy.models import HiddenNumber, PrivacyRecord
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db

PHONE = "+5531987654321"
ERASED = ["as mensagens desta conversa", "o contato e os IDs de WhatsApp dele",
          "o lead, a pontuação e as sugestões de resposta", "as mensagens na fila de envio",
          "as cópias brutas dos webhooks", "Novas mensagens deste número não serão guardadas"]


@pytest.fixture
def shop(make_tenant):
    return make_tenant()


def sign_in(client, shop, role: str):
    email = f"{role}@loja.test"
    user = get_user_model().objects.create_user(email, email=email, password="s3nha-forte")
    Member.objects.create(org=shop.org, user=user, role=role)
    client.login(username=email, password="s3nha-forte")
    return user


@pytest.fixture
def chat(shop):
    chat = add_chat(shop, PHONE, "Ana Souza")
    add_message(chat, "quero o orçamento sigiloso")
    Lead.objects.create(org=shop.org, contact=chat.contact, score=80)
    return chat


def test_an_agent_neither_sees_the_action_nor_may_hide(shop, chat, client):
    sign_in(client, shop, Role.AGENT)

    page = client.get(f"/conversations/{chat.pk}/").content.decode()
    assert "Ocultar do CRM" not in page
    assert client.get(f"/conversations/{chat.pk}/hide/").status_code == 403
    assert client.post(f"/conversations/{chat.pk}/hide/").status_code == 403
    assert not HiddenNumber.objects.exists()
    assert Message.objects.filter(conversation=chat).exists()


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_see_the_action_in_the_customer_panel(shop, chat, client, role):
    sign_in(client, shop, role)

    page = client.get(f"/conversations/{chat.pk}/").content.decode()

    assert f'href="/conversations/{chat.pk}/hide/"' in page
    assert "Ocultar do CRM" in page


def test_the_confirmation_lists_what_is_erased_and_erases_nothing_yet(shop, chat, client):
    sign_in(client, shop, Role.ADMIN)

    response = client.get(f"/conversations/{chat.pk}/hide/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ocultar +55 31 98765-4321 do CRM?" in page
    assert all(words in page for words in ERASED), page
    assert 'name="note"' in page and "Sim, ocultar do CRM e apagar" in page
    assert Message.objects.filter(conversation=chat).exists()
    assert not HiddenNumber.objects.exists()


def test_confirming_hides_the_number_erases_the_person_and_says_so_in_the_inbox(
        shop, chat, client):
    owner = sign_in(client, shop, Role.OWNER)

    response = client.post(f"/conversations/{chat.pk}/hide/", {"note": "pediu no balcão"},
                           follow=True)

    assert response.redirect_chain[-1][0] == "/"
    page = response.content.decode()
    assert "Número ocultado do CRM: +55 31 98765-4321" in page
    assert "Ana Souza" not in page and "sigiloso" not in page
    hidden = HiddenNumber.objects.get(org=shop.org)
    assert (hidden.e164, hidden.note, hidden.created_by, hidden.created_by_name) == (
        PHONE, "pediu no balcão", owner, "owner@loja.test")
    assert not Conversation.objects.filter(pk=chat.pk).exists()
    assert not Contact.objects.filter(org=shop.org).exists()
    assert not Lead.objects.filter(org=shop.org).exists()
    assert PrivacyRecord.objects.filter(org=shop.org, action="hide", e164=PHONE).exists()
    assert client.get(f"/conversations/{chat.pk}/").status_code == 404


def test_a_hostile_note_is_kept_as_plain_text_cut_to_its_limit(shop, chat, client):
    sign_in(client, shop, Role.OWNER)
    hostile = '<script>alert("x")</script>\x00' + "a" * 300

    client.post(f"/conversations/{chat.pk}/hide/", {"note": hostile})

    note = HiddenNumber.objects.get(org=shop.org).note
    assert note.startswith('<script>alert("x")</script>\ufffd') and len(note) == 200


def test_a_hostile_contact_name_is_escaped_on_the_confirmation(shop, client):
    chat = add_chat(shop, PHONE, '<img src=x onerror="alert(1)">')
    sign_in(client, shop, Role.OWNER)

    page = client.get(f"/conversations/{chat.pk}/hide/").content.decode()

    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_a_contact_known_only_by_its_lid_cannot_be_hidden_and_the_page_says_why(shop, client):
    contact = Contact.objects.create(org=shop.org, push_name="Sem Número")
    ContactHandle.objects.create(org=shop.org, contact=contact, kind="lid",
                                 value="276974622781686")
    chat = Conversation.objects.create(org=shop.org, instance=shop.instance, contact=contact)
    sign_in(client, shop, Role.OWNER)

    panel = client.get(f"/conversations/{chat.pk}/").content.decode()
    assert f"/conversations/{chat.pk}/hide/" not in panel
    assert "só é conhecido pelo ID privado do WhatsApp (@lid)" in panel
    refused = client.post(f"/conversations/{chat.pk}/hide/")
    assert refused.status_code == 409
    assert "Não dá para ocultar este contato" in refused.content.decode()
    assert not HiddenNumber.objects.exists()
    assert Conversation.objects.filter(pk=chat.pk).exists()


def test_hiding_a_chat_of_another_organization_is_not_found(shop, chat, client, make_tenant):
    other = make_tenant(name="Outra Loja")
    email = "dono@outra.test"
    user = get_user_model().objects.create_user(email, password="s3nha-forte")
    Member.objects.create(org=other.org, user=user, role=Role.OWNER)
    client.login(username=email, password="s3nha-forte")

    assert client.post(f"/conversations/{chat.pk}/hide/").status_code == 404
    assert Conversation.objects.filter(pk=chat.pk).exists()


@pytest.mark.parametrize("role", [Role.OWNER, Role.AGENT])
def test_a_deep_link_to_a_hidden_number_says_it_is_hidden_instead_of_opening_a_chat(
        shop, client, role):
    HiddenNumber.objects.create(org=shop.org, e164=PHONE)
    sign_in(client, shop, role)

    response = client.get("/chat/", {"phone": "(31) 98765-4321", "text": "Olá!"})

    page = response.content.decode()
    assert response.status_code == 409
    assert "O número +55 31 98765-4321 está oculto do CRM" in page
    assert "Configurações › Privacidade" in page
    assert 'id="composer"' not in page
    assert ('href="/settings/privacy/"' in page) == (role == Role.OWNER)
    assert not Contact.objects.filter(org=shop.org).exists()


def test_hiding_from_the_chat_says_and_keeps_the_shops_erp_records(shop, chat, client):
    do_upsert_customers(shop.org.pk, [{"external_id": "C1", "name": "Ana Souza (ERP)",
                                       "phones": ["(31) 98765-4321"]}])
    sign_in(client, shop, Role.OWNER)

    page = client.get(f"/conversations/{chat.pk}/hide/").content.decode()
    assert "Ocultar do CRM remove só o lado do WhatsApp" in page
    client.post(f"/conversations/{chat.pk}/hide/")

    assert not Contact.objects.filter(org=shop.org).exists()
    assert Customer.objects.get(org=shop.org).phones.get().e164 == PHONE
