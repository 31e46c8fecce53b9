"""The Marketing page: cards by kind, "Abrir no CRM" into the chat, sending, and the results."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from ponte.accounts.models import Role
from ponte.conversations.models import Conversation, Message
from ponte.erp.services import do_upsert_customers, do_upsert_sales
from ponte.marketing.models import Recall, RecallSettings
from ponte.marketing.opportunities import shop_today
from ponte.web.test_leads_page import join, signed_in
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_tenant, client):
    tenant = make_tenant()
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    return tenant


def add_customer(shop, external_id="C1", name="Maria Souza", phone="(31) 98765-4321", **extra):
    item = {"external_id": external_id, "name": name, "phones": [phone],
            "cashback_balance": "45.90",
            "cashback_expires_on": str(shop_today() + timedelta(days=3)), **extra}
    assert do_upsert_customers(shop.org.pk, [item])[0].outcome == "created"


def open_card(client, shop, kind="cashback", external_id="C1"):
    from ponte.erp.models import Customer
    customer = Customer.objects.get(org=shop.org, external_id=external_id)
    return client.get(f"/marketing/open/{kind}/{customer.pk}/")


def test_cards_show_reason_value_and_the_reminder(shop, client):
    add_customer(shop)
    page = client.get("/marketing/").content.decode()
    assert "R$ 45,90 de cashback vencem em 3 dias" in page
    assert "Oi, Maria! Você tem R$ 45,90 de cashback" in page
    assert "Abrir no CRM" in page
    assert "Ninguém faz aniversário esta semana." in page
    assert 'href="/marketing/"' in page  # the nav link


def test_a_hostile_name_is_escaped(shop, client):
    add_customer(shop, name="<script>alert(1)</script>")
    page = client.get("/marketing/").content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page


def test_filter_by_kind_shows_only_that_kind(shop, client):
    add_customer(shop)
    page = client.get("/marketing/?kind=inactivity").content.decode()
    assert "Clientes sem comprar" in page and "Cashback a vencer</h2>" not in page
    assert client.get("/marketing/?kind=nonsense&bucket=abc").status_code == 200
    for kind in ("cashback", "inactivity", "birthday"):
        forged = client.get(f"/marketing/?kind={kind}&after=999999999999999999-1")
        assert forged.status_code == 200


def test_open_records_the_recall_and_lands_in_a_virtual_chat_with_the_text(shop, client):
    add_customer(shop)
    answer = open_card(client, shop)
    recall = Recall.objects.get()
    assert recall.opened_at and recall.sent_at is None
    query = parse_qs(urlsplit(answer["Location"]).query)
    assert urlsplit(answer["Location"]).path == "/chat/"
    assert query["phone"] == ["+5531987654321"] and query["recall"] == [str(recall.pk)]
    assert query["text"][0].startswith("Oi, Maria! Você tem R$ 45,90")
    chat = client.get(answer["Location"]).content.decode()
    assert "Oi, Maria! Você tem R$ 45,90 de cashback" in chat
    assert f'name="recall" value="{recall.pk}"' in chat
    assert not Conversation.objects.exists()  # nothing stored until it is sent


def test_sending_from_the_virtual_chat_marks_the_recall_sent(shop, client):
    add_customer(shop)
    open_card(client, shop)
    recall = Recall.objects.get()
    client.post("/chat/send/", {"phone": "+5531987654321", "text": recall.message,
                                "recall": recall.pk})
    recall.refresh_from_db()
    sent = Message.objects.get()
    assert recall.sent_at is not None and recall.sent_message == sent
    assert recall.conversation == sent.conversation


def test_an_existing_chat_keeps_the_recall_through_the_redirect(shop, client):
    add_customer(shop, phone="31 8765-4321")  # the 8-digit form of the chat's number
    chat = add_chat(shop, "+5531987654321", "Maria")
    answer = client.get(open_card(client, shop)["Location"])
    recall = Recall.objects.get()
    assert answer.status_code == 302 and f"/conversations/{chat.pk}/" in answer["Location"]
    assert f"recall={recall.pk}" in answer["Location"]
    client.post(f"/conversations/{chat.pk}/send/", {"text": "Oi!", "recall": recall.pk})
    recall.refresh_from_db()
    assert recall.sent_at is not None


def test_a_reply_and_a_later_sale_show_in_results(shop, client):
    add_customer(shop)
    open_card(client, shop)
    recall = Recall.objects.get()
    client.post("/chat/send/", {"phone": "+5531987654321", "text": recall.message,
                                "recall": recall.pk})
    recall.refresh_from_db()
    chat = recall.conversation
    add_message(chat, "oba, passo aí amanhã", minutes_ago=-1)
    later = (timezone.now() + timedelta(minutes=2)).isoformat()
    before = (timezone.now() - timedelta(days=2)).isoformat()
    do_upsert_sales(shop.org.pk, [
        {"external_id": "S1", "customer_external_id": "C1", "date": later, "total": "200.00"},
        {"external_id": "S2", "customer_external_id": "C1", "date": later, "total": "120.00"},
        {"external_id": "S0", "customer_external_id": "C1", "date": before, "total": "999.00"}])
    page = client.get("/marketing/").content.decode()
    results = page[page.index('id="recall-results"'):]
    assert "R$ 320,00 em vendas depois do lembrete" in results
    assert "Sim," in results
    assert "999" not in results


def test_an_unsent_or_other_orgs_recall_is_not_marked(shop, client, make_tenant):
    add_customer(shop)
    open_card(client, shop)
    recall = Recall.objects.get()
    other = make_tenant(name="Outra")
    client.logout()
    client.login(username=other.owner_email, password=other.owner_password)
    client.post("/chat/send/", {"phone": "+5531987654321", "text": "oi", "recall": recall.pk})
    recall.refresh_from_db()
    assert recall.sent_at is None


def test_owners_change_settings_and_unknown_fields_are_refused(shop, client):
    typed = {"cashback_minimum": "20,00", "cashback_window_days": "10",
             "inactivity_days_1": "45", "inactivity_days_2": "60", "inactivity_days_3": "120",
             "birthday_enabled": "1", "template_cashback": "Olá {nome}, {valor_cashback}!",
             "template_inactivity": "", "template_birthday": ""}
    assert client.post("/marketing/settings/", typed).status_code == 302
    stored = RecallSettings.objects.get(org=shop.org)
    assert stored.cashback_window_days == 10 and stored.inactivity_buckets == [45, 60, 120]
    refused = client.post("/marketing/settings/", {**typed, "template_cashback": "{nome.x}"})
    assert refused.status_code == 422
    assert "Campo desconhecido" in refused.content.decode()
    assert "{nome.x}" in refused.content.decode()


def test_attendants_see_cards_but_not_settings(shop):
    join(shop, "agente@loja.com", Role.AGENT)
    agent = signed_in("agente@loja.com", "senha")
    page = agent.get("/marketing/").content.decode()
    assert "Configurações dos lembretes" not in page
    assert agent.post("/marketing/settings/", {}).status_code == 403


def test_a_customer_no_longer_eligible_is_not_opened(shop, client):
    add_customer(shop, marketing_opt_out=True)
    from ponte.erp.models import Customer
    customer = Customer.objects.get()
    answer = client.get(f"/marketing/open/cashback/{customer.pk}/")
    assert answer.status_code == 302 and answer["Location"] == "/marketing/"
    assert not Recall.objects.exists()
    assert re.search("não está mais na lista", client.get("/marketing/").content.decode())
