"""The inbox, the chat and the deep link, through Django's test client."""

from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from ponte.accounts.models import Member, Role
from ponte.conversations.models import Contact, Conversation, Message
from ponte.conversations.storing import bump_conversation
from ponte.leads.models import Lead

pytestmark = pytest.mark.django_db


def add_message(chat: Conversation, text: str, *, minutes_ago: float = 0, direction: str = "in",
                **fields) -> Message:
    message = Message.objects.create(
        org_id=chat.org_id, instance_id=chat.instance_id, conversation=chat, direction=direction,
        text=text, engine_timestamp=timezone.now() - timedelta(minutes=minutes_ago), **fields)
    bump_conversation(message)
    if direction == "in":
        Conversation.objects.filter(pk=chat.pk).update(unread_count=chat.unread_count + 1)
        chat.refresh_from_db()
    return message


def add_chat(tenant, e164: str, push_name: str = "", **contact_fields) -> Conversation:
    contact = Contact.objects.create(org=tenant.org, e164=e164, push_name=push_name,
                                     **contact_fields)
    return Conversation.objects.create(org=tenant.org, instance=tenant.instance, contact=contact)


@pytest.fixture
def shop(make_tenant, client):
    tenant = make_tenant()
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    return tenant


def test_inbox_lists_conversations_by_last_activity_with_unread_counts(shop, client):
    older = add_chat(shop, "+5531987654321", "Ana Souza")
    newer = add_chat(shop, "+5511912345678", "Bruno Lima")
    add_message(older, "bom dia", minutes_ago=30)
    add_message(newer, "oi, tem o tênis 42?", minutes_ago=1)
    add_message(newer, "ainda tem?", minutes_ago=0.5)

    page = client.get("/").content.decode()

    assert page.index("Bruno Lima") < page.index("Ana Souza")
    assert "ainda tem?" in page
    assert '<span class="badge" aria-label="2 não lidas">2</span>' in page


def test_a_contact_without_a_name_shows_its_formatted_phone(shop, client):
    add_message(add_chat(shop, "+5531987654321"), "olá")

    assert "+55 31 98765-4321" in client.get("/").content.decode()


@pytest.mark.parametrize("typed", ["(31) 98765-4321", "31 8765-4321", "5531987654321",
                                   "+55 31 98765-4321", "87654321", "ana"])
def test_search_finds_a_person_by_name_or_any_phone_form(shop, client, typed):
    add_message(add_chat(shop, "+5531987654321", "Ana Souza"), "olá")
    add_message(add_chat(shop, "+5511912345678", "Bruno Lima"), "oi")

    listing = client.get("/inbox/list/", {"q": typed}).content.decode()

    assert "Ana Souza" in listing
    assert "Bruno Lima" not in listing


def test_filters_pick_unread_mine_and_lead_score(shop, client):
    owner = get_user_model().objects.get(username=shop.owner_email)
    hot = add_chat(shop, "+5531987654321", "Ana Quente")
    cold = add_chat(shop, "+5511912345678", "Bruno Frio")
    mine = add_chat(shop, "+5521998765432", "Carla Minha")
    for chat in (hot, cold, mine):
        add_message(chat, "olá")
    Conversation.objects.filter(pk=cold.pk).update(unread_count=0)
    Conversation.objects.filter(pk=mine.pk).update(assignee=owner)
    Lead.objects.create(org=shop.org, contact=hot.contact, score=85)
    Lead.objects.create(org=shop.org, contact=cold.contact, score=12)

    def names(**params) -> set[str]:
        listing = client.get("/inbox/list/", params).content.decode()
        return {n for n in ("Ana Quente", "Bruno Frio", "Carla Minha") if n in listing}

    assert names(unread="1") == {"Ana Quente", "Carla Minha"}
    assert names(mine="1") == {"Carla Minha"}
    assert names(band="hot") == {"Ana Quente"}
    assert names(band="cold") == {"Bruno Frio"}
    assert 'class="score hot"' in client.get("/").content.decode()


def test_another_organizations_chat_is_not_found(shop, client, make_tenant):
    other = make_tenant(name="Outra Loja")
    foreign = add_chat(other, "+5531987654321", "Segredo")
    add_message(foreign, "dados de outra loja")

    assert client.get(f"/conversations/{foreign.pk}/").status_code == 404
    assert client.get(f"/conversations/{foreign.pk}/history/").status_code == 404
    assert "Segredo" not in client.get("/").content.decode()


def test_opening_a_chat_clears_its_unread_count(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "olá")

    assert client.get(f"/conversations/{chat.pk}/").status_code == 200

    chat.refresh_from_db()
    assert chat.unread_count == 0


def test_history_pages_backwards_by_keyset_with_day_separators(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    for n in range(60):
        add_message(chat, f"mensagem {n:02d}", minutes_ago=(60 - n) * 60)

    newest = client.get(f"/conversations/{chat.pk}/history/").content.decode()
    assert "mensagem 59" in newest and "mensagem 10" in newest and "mensagem 09" not in newest
    assert newest.index("mensagem 10") < newest.index("mensagem 59")
    assert 'class="older"' in newest and 'class="day"' in newest

    oldest_shown = Message.objects.get(text="mensagem 10")
    older = client.get(f"/conversations/{chat.pk}/history/",
                       {"before": oldest_shown.pk}).content.decode()
    assert "mensagem 00" in older and "mensagem 09" in older and "mensagem 10" not in older
    assert 'class="older"' not in older


def test_reopening_an_unchanged_chat_history_costs_a_304(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "olá")
    url = f"/conversations/{chat.pk}/history/"

    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert first.status_code == 200 and "no-cache" in first["Cache-Control"]
    assert again.status_code == 304 and again.content == b""

    add_message(chat, "mudou")
    assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 200


def test_status_ticks_revoked_media_and_failed_retry_are_shown(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    for status in ("sent", "delivered", "read"):
        add_message(chat, f"status {status}", direction="out", status=status)
    failed = add_message(chat, "não foi", direction="out", status="failed", error="timeout")
    add_message(chat, "apagada", revoked=True)
    add_message(chat, "", kind="image", caption="foto do produto",
                media={"mimetype": "image/jpeg"})

    html = client.get(f"/conversations/{chat.pk}/history/").content.decode()

    for status in ("sent", "delivered", "read", "failed"):
        assert f'<svg class="tick {status}"' in html
    assert "🕓" not in html and "✓" not in html, "drawn, not left to an emoji font"
    assert f'hx-post="/messages/{failed.pk}/retry/"' in html
    assert "Mensagem apagada" in html and ">apagada<" not in html
    assert "Imagem" in html and "foto do produto" in html and "Mídia não disponível." in html


def test_retry_puts_a_failed_message_back_in_the_queue(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    failed = add_message(chat, "de novo", direction="out", status="failed", error="timeout")

    html = client.post(f"/messages/{failed.pk}/retry/").content.decode()

    failed.refresh_from_db()
    assert failed.status == "pending"
    assert 'class="tick pending"' in html


def test_sending_from_the_composer_queues_a_pending_message(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    text = "linha um\nlinha dois\n<b>três</b>"

    response = client.post(f"/conversations/{chat.pk}/send/", {"text": text},
                           headers={"HX-Request": "true"})

    assert response.status_code == 201
    queued = Message.objects.get(conversation=chat)
    assert (queued.text, queued.status, queued.direction) == (text, "pending", "out")
    assert "&lt;b&gt;três&lt;/b&gt;" in response.content.decode()


def test_an_empty_message_is_refused_with_a_reason(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")

    response = client.post(f"/conversations/{chat.pk}/send/", {"text": "   "},
                           headers={"HX-Request": "true"})

    assert response.status_code == 422
    assert response.content.decode().strip() == "A mensagem está vazia."
    assert not Message.objects.exists()


def test_deep_link_opens_the_existing_chat_whatever_the_phone_form(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")

    response = client.get("/chat/", {"phone": "(31) 8765-4321", "text": "Seu cashback vence"})

    assert response.status_code == 302
    assert response["Location"] == f"/conversations/{chat.pk}/?text=Seu+cashback+vence"
    page = client.get(response["Location"]).content.decode()
    assert ">Seu cashback vence</textarea>" in page


def test_deep_link_to_a_new_number_is_a_virtual_conversation_until_sent(shop, client):
    page = client.get("/chat/", {"phone": "11 91234-5678", "text": "Olá!"}).content.decode()

    assert ">Olá!</textarea>" in page and "+55 11 91234-5678" in page
    assert not Contact.objects.exists() and not Conversation.objects.exists()

    response = client.post("/chat/send/", {"phone": "+5511912345678", "text": "Olá!"},
                           headers={"HX-Request": "true"})

    chat = Conversation.objects.get()
    assert response["HX-Location"] == f"/conversations/{chat.pk}/"
    assert chat.contact.e164 == "+5511912345678"
    assert Message.objects.get().status == "pending"


def test_deep_link_with_an_unreadable_phone_says_so(shop, client):
    response = client.get("/chat/", {"phone": "<b>não sei</b>"})

    assert response.status_code == 400
    assert "&lt;b&gt;não sei&lt;/b&gt;" in response.content.decode()


@pytest.mark.parametrize("written", [
    "tel:+55-31-98765-4321",
    "\u202a+55\u00a031\u00a098765\u20114321\u202c",
    "０xx３１ ９８７６５－４３２１",
    "me liga no (31) 98765-4321 depois das 18h",
    "5531987654321_0:3@s.whatsapp.net",
])
def test_deep_link_reads_a_phone_however_a_crm_or_a_person_wrote_it(shop, client, written):
    chat = add_chat(shop, "+5531987654321", "Ana")

    response = client.get("/chat/", {"phone": written})

    assert response.status_code == 302
    assert response["Location"] == f"/conversations/{chat.pk}/"


def test_deep_link_with_two_numbers_in_a_sentence_asks_for_one(shop, client):
    add_chat(shop, "+5531987654321", "Ana")

    response = client.get("/chat/", {"phone": "(31) 98765-4321 ou (31) 3456-7890"})

    assert response.status_code == 400


def test_customer_panel_shows_phones_lead_reasons_and_an_empty_erp_block(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana", name="Ana Souza")
    Lead.objects.create(org=shop.org, contact=chat.contact, score=72,
                        reasons=["perguntou o preço", "quer comprar hoje"])

    page = client.get(f"/conversations/{chat.pk}/").content.decode()

    assert "+55 31 98765-4321" in page
    assert 'class="score hot">72<' in page and "quer comprar hoje" in page
    assert "Nenhum cliente do AlraERP+ vinculado" in page


def test_taking_a_chat_makes_it_mine_and_taking_it_again_releases_it(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")

    assert "Liberar" in client.post(f"/conversations/{chat.pk}/assign/").content.decode()
    chat.refresh_from_db()
    assert chat.assignee.username == shop.owner_email

    client.post(f"/conversations/{chat.pk}/assign/")
    chat.refresh_from_db()
    assert chat.assignee is None


def test_an_agent_works_the_inbox_but_anonymous_visitors_go_to_sign_in(shop, client):
    agent = get_user_model().objects.create_user("agente@loja.test", password="s3nha-forte")
    Member.objects.create(org=shop.org, user=agent, role=Role.AGENT)
    add_message(add_chat(shop, "+5531987654321", "Ana"), "olá")
    client.logout()

    assert client.get("/").status_code == 302
    client.login(username="agente@loja.test", password="s3nha-forte")
    assert "Ana" in client.get("/").content.decode()


def test_a_number_that_is_not_connected_is_announced_above_the_inbox(shop, client):
    from ponte.accounts.models import Instance

    Instance.objects.filter(pk=shop.instance.pk).update(state="needs_reset")
    assert "Precisa de reset total" in client.get("/").content.decode()

    Instance.objects.filter(pk=shop.instance.pk).update(state="connected")
    banner = client.get("/instance/banner/").content.decode()
    assert "instance-warning" not in banner and 'id="instance-banner"' in banner


def test_day_separators_read_as_portuguese_dates_and_english_in_english(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    old = add_message(chat, "faz tempo")
    old.engine_timestamp = timezone.make_aware(datetime(2025, 11, 24, 15, 0))
    old.save(update_fields=["engine_timestamp"])
    this_year = timezone.localdate().replace(month=3, day=2)
    recent = add_message(chat, "em março")
    recent.engine_timestamp = timezone.make_aware(datetime.combine(this_year, time(10)))
    recent.save(update_fields=["engine_timestamp"])
    url = f"/conversations/{chat.pk}/history/"

    html = client.get(url).content.decode()
    assert "24 de novembro de 2025" in html
    if this_year < timezone.localdate() - timedelta(days=1):
        assert "<span>2 de março</span>" in html

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(url).content.decode()
    assert "November 24, 2025" in english
