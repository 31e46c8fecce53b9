"""The ERP customer beside the chat: found by any written form of the phone, shown in full,
picked by the attendant when several share a number, never another shop's."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ponte.conversations.models import ContactHandle
from ponte.erp.models import ChatCustomer
from ponte.erp.services import do_upsert_customers, do_upsert_sales
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_tenant, client):
    tenant = make_tenant()
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    return tenant


def customer(org_id: int, external_id: str, name: str, phones: list[str], **fields) -> None:
    [result] = do_upsert_customers(org_id, [{"external_id": external_id, "name": name,
                                             "phones": phones, **fields}])
    assert result.outcome == "created", result.errors


def sale(org_id: int, external_id: str, customer_id: str, total: str, days_ago: int,
         **fields) -> None:
    day = (timezone.localdate() - timedelta(days=days_ago)).isoformat()
    [result] = do_upsert_sales(org_id, [{"external_id": external_id, "date": day, "total": total,
                                         "customer_external_id": customer_id, **fields}])
    assert result.outcome == "created", result.errors


def panel(client, chat) -> str:
    page = client.get(f"/conversations/{chat.pk}/").content.decode()
    start = page.index('id="erp-panel"')
    return page[start:page.index("</aside>", start)]


def test_the_panel_shows_the_customers_purchases_cashback_and_notes(shop, client):
    org = shop.org.pk
    soon = (timezone.localdate() + timedelta(days=3)).isoformat()
    customer(org, "C1", "Ana Souza", ["(31) 98765-4321", "31 3333-4444"],
             cashback_balance="45.90", cashback_expires_on=soon, notes="Prefere entrega à tarde",
             birthday="1990-03-12", marketing_opt_out=True)
    sale(org, "V1", "C1", "1000.00", 40, items="Tênis azul 42", store="Loja Centro")
    sale(org, "V2", "C1", "234.56", 2, items="Camiseta básica M", store="Loja Online")
    chat = add_chat(shop, "+5531987654321")
    add_message(chat, "oi")

    shown = panel(client, chat)

    assert "Ana Souza" in shown and "Código no ERP: <bdi>C1</bdi>" in shown
    assert "R$ 1.234,56" in shown  # total spent
    assert '<dd class="erp-purchases">2</dd>' in shown
    assert "R$ 45,90" in shown and "vence em 3 dias" in shown
    assert "12 de março" in shown and "Prefere entrega à tarde" in shown
    assert "Não quer receber marketing." in shown
    assert "+55 31 3333-4444" in shown
    first = (timezone.localdate() - timedelta(days=40)).strftime("%d/%m/%Y")
    assert f"<dd>{first}</dd>" in shown  # customer since the first purchase
    assert shown.index("Camiseta básica M") < shown.index("Tênis azul 42")  # newest first
    assert "Loja Online" in shown
    assert "ocultar este número do CRM não os apaga" in shown


def test_a_phone_no_customer_holds_keeps_the_placeholder(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    assert "Nenhum cliente do AlraERP+ vinculado" in panel(client, chat)


@pytest.mark.parametrize(("stored", "chat_from"), [
    ("31 8765-4321", "+5531987654321"),  # 8-digit ERP record, 9-digit JID's chat
    ("(31) 98765-4321", "+5531987654321"),  # the chat from legacy 553187654321@c.us
])
def test_a_customer_is_found_whatever_the_form_of_the_stored_number(shop, client, stored,
                                                                    chat_from):
    customer(shop.org.pk, "C1", "Ana Souza", [stored])
    chat = add_chat(shop, chat_from)
    ContactHandle.objects.create(org=shop.org, contact=chat.contact, kind="user",
                                 value="553187654321")
    add_message(chat, "oi")

    assert "Ana Souza" in panel(client, chat)


def test_a_known_customer_never_shows_as_a_bare_number_in_inbox_head_or_panel(shop, client):
    customer(shop.org.pk, "C1", "Ana Souza", ["31 8765-4321"])
    chat = add_chat(shop, "+5531987654321")  # WhatsApp gave no name
    add_message(chat, "oi")

    inbox = client.get("/").content.decode()
    page = client.get(f"/conversations/{chat.pk}/").content.decode()

    assert '<strong class="name"><bdi>Ana Souza</bdi></strong>' in inbox
    assert "<title>Ana Souza · Ponte</title>" in page
    assert "<h2><bdi>Ana Souza</bdi></h2>" in page
    assert '<span class="avatar big" aria-hidden="true">AS</span>' in page


def test_two_customers_sharing_a_phone_are_both_shown_until_the_attendant_picks(shop, client):
    org = shop.org.pk
    customer(org, "C1", "Bruno Lima", ["(11) 99876-5432"])
    customer(org, "C2", "Marina Lima", ["+55 11 99876-5432"])
    chat = add_chat(shop, "+5511998765432")
    add_message(chat, "oi")

    before = panel(client, chat)
    assert "Bruno Lima" in before and "Marina Lima" in before
    assert "Escolha de quem é esta conversa." in before
    assert before.count('class="choose-customer"') == 2
    assert "Bruno Lima / Marina Lima" in client.get("/").content.decode()

    chosen = client.post(f"/conversations/{chat.pk}/customer/", {"external_id": "C2"},
                         headers={"HX-Request": "true"}).content.decode()

    assert "Esta conversa é sobre: <bdi>Marina Lima</bdi>." in chosen
    assert chosen.index("Marina Lima") < chosen.index("Bruno Lima")
    assert chosen.count('class="choose-customer"') == 1
    assert '<bdi>Marina Lima</bdi></strong>' in client.get("/").content.decode()
    assert ChatCustomer.objects.get(conversation_id=chat.pk).customer.external_id == "C2"


def test_a_customer_not_holding_the_chats_phone_cannot_be_picked(shop, client, make_tenant):
    other = make_tenant(name="Outra")
    customer(shop.org.pk, "C1", "Bruno Lima", ["(11) 99876-5432"])
    customer(shop.org.pk, "C9", "Zé de outro número", ["(21) 99123-4567"])
    customer(other.org.pk, "C1X", "De outra loja", ["(11) 99876-5432"])
    chat = add_chat(shop, "+5511998765432")

    for external_id in ("C9", "C1X", ""):
        response = client.post(f"/conversations/{chat.pk}/customer/",
                               {"external_id": external_id})
        assert response.status_code == 404
    assert not ChatCustomer.objects.exists()


def test_another_organizations_customer_never_shows(shop, client, make_tenant):
    other = make_tenant(name="Outra")
    customer(other.org.pk, "C1", "Cliente Alheio", ["(31) 98765-4321"])
    chat = add_chat(shop, "+5531987654321")
    add_message(chat, "oi")

    assert "Cliente Alheio" not in client.get(f"/conversations/{chat.pk}/").content.decode()
    assert "Cliente Alheio" not in client.get("/").content.decode()


def test_hostile_erp_text_is_escaped_and_a_script_photo_is_not_shown(shop, client):
    org = shop.org.pk
    customer(org, "<b>C1</b>", "<script>alert(1)</script>", ["(31) 98765-4321"],
             notes="<img src=x onerror=alert(2)>\nsegunda linha")
    sale(org, "V1", "<b>C1</b>", "10.00", 1, items="<iframe src=//evil>", store="<b>loja</b>")
    chat = add_chat(shop, "+5531987654321")
    add_message(chat, "oi")

    page = client.get(f"/conversations/{chat.pk}/").content.decode()

    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page and "<iframe" not in page and "<b>loja" not in page
    assert "segunda linha" in page


def test_only_an_http_photo_from_the_erp_is_shown(shop, client):
    customer(shop.org.pk, "C1", "Ana Souza", ["(31) 98765-4321"],
             photo_url="https://erp.example/fotos/ana.jpg")
    chat = add_chat(shop, "+5531987654321")
    add_message(chat, "oi")

    assert '<img src="https://erp.example/fotos/ana.jpg"' in panel(client, chat)


def test_the_inbox_reads_erp_names_in_a_fixed_number_of_queries(shop, client):
    def inbox_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    for n in range(3):
        customer(shop.org.pk, f"C{n}", f"Cliente {n}", [f"(31) 98765-432{n}"])
        add_message(add_chat(shop, f"+553198765432{n}"), "oi")
    few = inbox_queries()
    for n in range(3, 9):
        customer(shop.org.pk, f"C{n}", f"Cliente {n}", [f"(31) 98765-432{n}"])
        add_message(add_chat(shop, f"+553198765432{n}"), "oi")

    assert inbox_queries() == few
    assert "Cliente 8" in client.get("/").content.decode()


def test_a_virtual_chat_with_a_customer_shows_name_initials_and_sales_at_once(shop, client):
    org = shop.org.pk
    customer(org, "C1", "Ana Souza", ["31 8765-4321"], cashback_balance="45.90")
    sale(org, "V1", "C1", "249.90", 5, items="Tênis azul 42")

    page = client.get("/chat/", {"phone": "(31) 98765-4321", "text": "Oi, Ana!"}).content.decode()

    assert "Conversa nova: nada é salvo até a primeira mensagem." in page
    assert "<h2><bdi>Ana Souza</bdi></h2>" in page and ">AS</span>" in page
    assert "R$ 249,90" in page and "Tênis azul 42" in page and "R$ 45,90" in page
    assert "Oi, Ana!</textarea>" in page
    assert 'class="choose-customer"' not in page  # nothing to pick on a chat not stored yet


def test_the_erp_section_is_served_alone_for_a_live_refresh_and_never_to_another_shop(
        shop, client, make_tenant):
    customer(shop.org.pk, "C1", "Ana Souza", ["(31) 98765-4321"])
    chat = add_chat(shop, "+5531987654321")
    assert "Ana Souza" in client.get(f"/conversations/{chat.pk}/erp/").content.decode()

    other = make_tenant(name="Outra")
    client.login(username=other.owner_email, password=other.owner_password)
    assert client.get(f"/conversations/{chat.pk}/erp/").status_code == 404
    assert client.post(f"/conversations/{chat.pk}/customer/",
                       {"external_id": "C1"}).status_code == 404


def test_the_first_message_of_a_virtual_chat_makes_it_real_with_its_customer(shop, client):
    customer(shop.org.pk, "C1", "Ana Souza", ["31 8765-4321"])

    sent = client.post("/chat/send/", {"phone": "(31) 98765-4321", "text": "Oi, Ana!"})

    assert sent.status_code == 302
    page = client.get(sent["Location"]).content.decode()
    assert "<h2><bdi>Ana Souza</bdi></h2>" in page and "Código no ERP: <bdi>C1</bdi>" in page


def test_the_inbox_search_finds_a_chat_by_its_customers_erp_name(shop, client, make_tenant):
    customer(shop.org.pk, "C1", "Ana Souza", ["31 8765-4321"])
    customer(make_tenant(name="Outra").org.pk, "C2", "Ana Alheia", ["(11) 99876-5432"])
    add_message(add_chat(shop, "+5531987654321"), "oi")  # no WhatsApp name
    add_message(add_chat(shop, "+5511998765432"), "oi")
    add_message(add_chat(shop, "+5521991234567", "Bruno"), "oi")

    found = client.get("/", {"q": "souza"}).content.decode()

    assert "<bdi>Ana Souza</bdi>" in found
    assert found.count('class="chat-row') == 1
    assert client.get("/", {"q": "Alheia"}).content.decode().count('class="chat-row') == 0


def test_the_chats_photo_answer_keeps_the_erp_customers_initials(shop, client):
    customer(shop.org.pk, "C1", "Ana Souza", ["31 8765-4321"])
    chat = add_chat(shop, "+5531987654321", photo_checked_at=timezone.now())  # fresh: no call

    answer = client.get(f"/conversations/{chat.pk}/photo/").content.decode()

    assert answer.count('aria-hidden="true">AS</span>') == 2  # the panel's and the head's
