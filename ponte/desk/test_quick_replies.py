"""Quick replies: one shortcut per shop whatever its capitals, and the customer's facts
filled in so a customer never receives a bare "{nome}"."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from ponte.desk.quick_replies import (
    QuickReplyRefused,
    QuickReplyTaken,
    do_create_quick_reply,
    do_update_quick_reply,
    fill,
    filled_replies,
    first_name,
    replies_matching,
    values_for,
)
from ponte.erp.models import ChatCustomer, Customer, CustomerPhone
from ponte.web.test_workspace import add_chat

pytestmark = pytest.mark.django_db


def attendant(first: str = "Carla"):
    return get_user_model().objects.create_user(username=f"{first}@x", first_name=first)


def customer(tenant, e164: str, name: str, balance: str = "0", expires=None) -> Customer:
    found = Customer.objects.create(org=tenant.org, external_id=name, name=name,
                                    cashback_balance=Decimal(balance),
                                    cashback_expires_on=expires)
    CustomerPhone.objects.create(org=tenant.org, customer=found, e164=e164, written=e164)
    return found


def test_the_customers_first_name_and_the_attendants_fill_the_reply(make_tenant):
    shop = make_tenant()
    chat = add_chat(shop, "+5531987654321", "Ana Souza")
    do_create_quick_reply(shop.org.pk, "entrega", "Olá {nome}, aqui é {atendente}. {Nome}!")
    [found] = filled_replies(chat, attendant(), "ent")
    assert found.text == "Olá Ana, aqui é Carla. Ana!"


def test_unknown_or_empty_placeholders_become_empty_never_braces(make_tenant):
    shop = make_tenant()
    chat = add_chat(shop, "+5531987654321", "")  # no name anywhere
    do_create_quick_reply(shop.org.pk, "oi", "Oi {nome}! Saldo: {cashback}{vendedor}. "
                                             "{nome.__class__} {atendente}")
    [found] = filled_replies(chat, None)
    assert found.text == "Oi! Saldo:."
    assert "{nome}" not in found.text and "{cashback}" not in found.text


def test_an_empty_name_takes_its_space_along():
    assert fill("Olá {nome}, tudo bem? {x}", {}) == "Olá, tudo bem?"
    assert fill("{nome} chegou", {}) == "chegou"


def test_a_name_that_reads_like_a_placeholder_stays_as_written():
    assert fill("Oi {nome}, {atendente}", {"nome": "{atendente}", "atendente": "Bia"}) == \
        "Oi {atendente}, Bia"


def test_first_names_skip_emoji_and_decorations():
    assert first_name("~ Ana Souza 🌸") == "Ana"
    assert first_name("🌸🌸") == "" and first_name("") == ""


def test_the_erp_name_and_cashback_fill_in_when_whatsapp_gave_no_name(make_tenant):
    shop = make_tenant()
    chat = add_chat(shop, "+5531987654321", "")
    customer(shop, "+5531987654321", "Beatriz Lima", "1234.5", date(2026, 3, 1))
    values = values_for(chat, chat.contact, attendant("Davi"))
    assert values["nome"] == "Beatriz" and values["nome_completo"] == "Beatriz Lima"
    assert values["cashback"] == "R$ 1.234,50" and values["validade_cashback"] == "01/03/2026"
    assert values["atendente"] == "Davi"


def test_the_contacts_own_name_wins_and_a_shared_phone_uses_the_chosen_customer(make_tenant):
    shop = make_tenant()
    chat = add_chat(shop, "+5531987654321", "Mãe da Ana")
    customer(shop, "+5531987654321", "Ana", "10")
    chosen = customer(shop, "+5531987654321", "Bruna", "20")
    assert values_for(chat, chat.contact)["cashback"] == ""  # two customers: nobody picked
    ChatCustomer.objects.create(org=shop.org, conversation_id=chat.pk, customer=chosen)
    values = values_for(chat, chat.contact)
    assert values["nome"] == "Mãe" and values["cashback"] == "R$ 20,00"


def test_a_shortcut_is_unique_per_shop_whatever_its_capitals(make_tenant):
    shop, other = make_tenant(), make_tenant()
    first = do_create_quick_reply(shop.org.pk, "Entrega", "a")
    with pytest.raises(QuickReplyTaken) as taken:
        do_create_quick_reply(shop.org.pk, "/entrega", "b")
    assert taken.value.status == 409
    do_create_quick_reply(other.org.pk, "entrega", "c")  # another shop's is its own
    second = do_create_quick_reply(shop.org.pk, "troca", "d")
    with pytest.raises(QuickReplyTaken):
        do_update_quick_reply(second, shortcut="ENTREGA")
    assert do_update_quick_reply(first, shortcut="entrega").shortcut == "entrega"


@pytest.mark.parametrize(("shortcut", "text", "code"), [
    ("", "x", "shortcut_blank"), ("  /", "x", "shortcut_blank"),
    ("a" * 41, "x", "shortcut_too_long"), ("duas palavras", "x", "shortcut_spaces"),
    ("ok", "   ", "text_blank"), ("ok", "x" * 4097, "text_too_long")])
def test_blank_or_too_long_replies_are_refused(make_tenant, shortcut, text, code):
    shop = make_tenant()
    with pytest.raises(QuickReplyRefused) as refused:
        do_create_quick_reply(shop.org.pk, shortcut, text)
    assert refused.value.code == code and refused.value.status == 422


def test_the_list_filters_by_shortcut_and_text_shortcut_matches_first(make_tenant):
    shop = make_tenant()
    do_create_quick_reply(shop.org.pk, "prazo", "A entrega leva 3 dias")
    do_create_quick_reply(shop.org.pk, "entrega", "Entregamos em BH")
    do_create_quick_reply(shop.org.pk, "pix", "Chave pix: 123")
    assert [r.shortcut for r in replies_matching(shop.org.pk, "ENT")] == ["entrega", "prazo"]
    assert len(replies_matching(shop.org.pk, "")) == 3
