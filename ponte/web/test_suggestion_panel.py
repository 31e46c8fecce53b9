"""The chat's panel shows the AI's reply suggestion; a send that began from it records its use."""

import pytest
from django.utils import timezone

from ponte.conversations.models import Message
from ponte.leads.models import Lead, LeadScore, ReplySuggestion
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db

PROPOSED = "Oi, Ana! Já te passo o valor certinho. Quer as formas de pagamento?"


@pytest.fixture
def shop(make_tenant, client):
    tenant = make_tenant()
    client.login(username=tenant.owner_email, password=tenant.owner_password)
    return tenant


def suggested(chat, text: str = PROPOSED, based_on: Message | None = None) -> ReplySuggestion:
    lead, _ = Lead.objects.get_or_create(org_id=chat.org_id, contact=chat.contact)
    return ReplySuggestion.objects.create(org_id=chat.org_id, lead=lead, conversation=chat,
                                          text=text, topic="price", provider="offline",
                                          based_on=based_on)


def send(client, chat, text: str, suggestion) -> Message:
    response = client.post(f"/conversations/{chat.pk}/send/",
                           {"text": text, "suggestion": str(suggestion)},
                           headers={"HX-Request": "true"})
    assert response.status_code == 201
    return Message.objects.filter(conversation=chat, direction="out").latest("id")


def test_the_panel_shows_the_suggestion_with_a_button_that_does_not_send(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    asked = add_message(chat, "qual o preço do vestido? aceita pix?")
    suggestion = suggested(chat, based_on=asked)

    page = client.get(f"/conversations/{chat.pk}/").content.decode()

    assert "Sugestão de resposta" in page and PROPOSED in page
    assert f'<button type="button" class="use-suggestion" data-suggestion-id="{suggestion.pk}">' \
           "Enviar agora</button>" in page
    assert '<input type="hidden" name="suggestion" value="">' in page
    assert not Message.objects.filter(direction="out").exists()


def test_hostile_suggestion_text_is_shown_as_text(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "oi")
    suggested(chat, text="<img src=x onerror=alert(1)> \u202eoi")

    panel = client.get(f"/conversations/{chat.pk}/lead/").content.decode()

    assert "&lt;img src=x onerror=alert(1)&gt; oi" in panel
    assert "<img src=x" not in panel and "\u202e" not in panel


def test_no_suggestion_once_the_shop_wrote_last(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "qual o preço?", minutes_ago=2)
    suggested(chat)
    add_message(chat, "R$ 149,90", minutes_ago=1, direction="out")

    panel = client.get(f"/conversations/{chat.pk}/lead/").content.decode()

    assert "Sem sugestão no momento." in panel and PROPOSED not in panel


def test_the_lead_section_shows_sentiment_and_which_way_the_score_moved(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    lead = Lead.objects.create(org=shop.org, contact=chat.contact, score=81,
                               sentiment_label="positive", sentiment_value=0.6)
    now = timezone.now()
    LeadScore.objects.create(lead=lead, org=shop.org, score=40, scored_at=now.replace(year=2025))
    LeadScore.objects.create(lead=lead, org=shop.org, score=81, scored_at=now)

    panel = client.get(f"/conversations/{chat.pk}/lead/").content.decode()

    assert "Sentimento: positivo" in panel
    assert 'class="trend up"' in panel and "↑" in panel


def test_an_edited_send_marks_the_suggestion_used_with_its_similarity(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "qual o preço do vestido? aceita pix?")
    suggestion = suggested(chat)
    edited = "Oi, Ana! O vestido sai por R$ 149,90 e aceitamos Pix, sim."

    sent = send(client, chat, edited, suggestion.pk)

    suggestion.refresh_from_db()
    assert suggestion.used_at is not None and suggestion.sent_message == sent
    assert sent.text == edited
    assert 0 < suggestion.similarity < 1
    panel = client.get(f"/conversations/{chat.pk}/lead/").content.decode()
    assert PROPOSED not in panel


def test_a_suggestion_sent_as_proposed_has_similarity_one(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "qual o preço?")
    suggestion = suggested(chat)

    send(client, chat, PROPOSED, suggestion.pk)

    suggestion.refresh_from_db()
    assert suggestion.similarity == 1.0


def test_a_suggestion_of_another_chat_or_organization_is_ignored(shop, client, make_tenant):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "oi")
    other_chat = add_chat(shop, "+5511912345678", "Bia")
    add_message(other_chat, "oi")
    elsewhere = make_tenant(name="Outra Loja")
    foreign_chat = add_chat(elsewhere, "+5531987654321", "Ana")
    add_message(foreign_chat, "oi")
    theirs, foreign = suggested(other_chat), suggested(foreign_chat)

    for suggestion_id in (theirs.pk, foreign.pk, "abc", "", "999999"):
        send(client, chat, "Olá!", suggestion_id)

    assert Message.objects.filter(conversation=chat, direction="out").count() == 5
    assert not ReplySuggestion.objects.filter(used_at__isnull=False).exists()


def test_a_used_suggestion_is_not_counted_twice(shop, client):
    chat = add_chat(shop, "+5531987654321", "Ana")
    add_message(chat, "oi")
    suggestion = suggested(chat)
    first = send(client, chat, PROPOSED, suggestion.pk)
    send(client, chat, "outra coisa", suggestion.pk)

    suggestion.refresh_from_db()
    assert suggestion.sent_message == first and suggestion.similarity == 1.0
