"""The scoring pass proposes a reply when the customer spoke last, and never sends it."""

import json

import pytest

from emulators.openai_api import Emulator as OpenAI
from ponte.ai.services import do_update_ai_settings
from ponte.conversations.models import Conversation, Message
from ponte.leads.models import Lead, ReplySuggestion
from ponte.leads.queries import suggestion_for
from ponte.leads.suggestions import similarity
from ponte.leads.test_scoring import LATER, PHONE, customer, ours, published, receive, score_due
from ponte.privacy.people import export_person, person_for
from ponte.privacy.services import Actor, do_hide_number

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["published"]  # the fixture, shared with the scoring tests


def test_a_customers_question_gets_a_suggestion_after_scoring(make_tenant, published):
    tenant = make_tenant()
    receive(tenant, customer("qual o preço do vestido? aceita pix?", "S1"))
    score_due()
    suggestion = ReplySuggestion.objects.get()
    chat = Conversation.objects.get()
    assert suggestion.conversation == chat and suggestion.org_id == tenant.org.id
    assert suggestion.lead == Lead.objects.get()
    assert suggestion.based_on == Message.objects.get()
    assert suggestion.text and suggestion.provider == "offline" and suggestion.topic
    assert (suggestion.used_at, suggestion.sent_message, suggestion.similarity) == (None,) * 3
    assert ("reply.suggested", {"conversation_id": chat.pk,
                                "suggestion_id": suggestion.pk}) in published
    assert suggestion_for(chat) == suggestion
    assert Message.objects.filter(direction=Message.Direction.OUTBOUND).count() == 0, \
        "a suggestion is never sent by itself"


def test_no_suggestion_when_the_shop_wrote_last(make_tenant):
    tenant = make_tenant()
    receive(tenant, customer("Tem o vestido preto?", "N1"), ours("Tem sim, no P e no M!", "N2"))
    score_due()
    assert Lead.objects.get().score is not None
    assert ReplySuggestion.objects.count() == 0


def test_the_shops_answer_hides_the_suggestion(make_tenant):
    tenant = make_tenant()
    receive(tenant, customer("Quanto custa a bolsa?", "H1"))
    score_due()
    chat = Conversation.objects.get()
    assert suggestion_for(chat) is not None
    receive(tenant, ours("R$ 89,90", "H2"))
    assert suggestion_for(Conversation.objects.get()) is None


def test_a_newer_message_supersedes_the_unused_suggestion(make_tenant):
    tenant = make_tenant()
    receive(tenant, customer("Oi, boa tarde", "U1"))
    score_due(LATER)
    first = ReplySuggestion.objects.get()
    receive(tenant, customer("Vocês entregam em Contagem?", "U2"))
    score_due(2 * LATER)
    first.refresh_from_db()
    newest = ReplySuggestion.objects.latest("id")
    assert first.superseded_at is not None and newest.superseded_at is None
    assert newest.based_on.text == "Vocês entregam em Contagem?"
    assert "CEP" in newest.text, "a delivery question gets the delivery reply"
    assert suggestion_for(Conversation.objects.get()) == newest


def test_the_chosen_provider_drafts_the_suggestion_in_the_shops_tone(make_tenant):
    tenant = make_tenant()
    with OpenAI(keys=["sk-test"]) as server:
        do_update_ai_settings(tenant.org.pk, {
            "provider": "openai", "api_key": "sk-test", "base_url": server.base_url + "/v1",
            "style_note": "Seja breve e sem emojis."})
        server.answer_next({"score": 80, "sentiment": {"label": "neutral", "value": 0.1},
                            "intent": 0.8, "reasons": ["quer o vestido"]})
        server.answer_next({"text": "Oi, Maria! Tem sim, te mando as fotos.", "topic": "stock"})
        receive(tenant, customer("Oi! Tem o vestido preto?", "T1"))
        score_due()
        asked = json.dumps(server.last.json, ensure_ascii=False)
    suggestion = ReplySuggestion.objects.get()
    assert (suggestion.provider, suggestion.text) == ("openai",
                                                      "Oi, Maria! Tem sim, te mando as fotos.")
    assert "Seja breve e sem emojis." in asked and "Tem o vestido preto?" in asked
    assert Lead.objects.get().reasons == ["quer o vestido"]


def test_hiding_a_number_removes_its_suggestions(make_tenant):
    tenant = make_tenant()
    receive(tenant, customer("Quanto custa?", "E1"))
    receive(tenant, customer("Tem azul?", "E2", phone="5531911112222"))
    score_due()
    assert ReplySuggestion.objects.count() == 2
    do_hide_number(tenant.org.id, f"+{PHONE}", Actor(None, "x"))
    assert list(ReplySuggestion.objects.values_list("conversation__contact__e164", flat=True)) \
        == ["+5531911112222"]


def test_a_persons_export_holds_their_suggestions(make_tenant):
    tenant = make_tenant()
    receive(tenant, customer("Quanto custa?", "X1"))
    score_due()
    exported = export_person(person_for(tenant.org.id, f"+{PHONE}"))["reply_suggestions"]
    assert [row["text"] for row in exported] == [ReplySuggestion.objects.get().text]


def test_similarity_is_one_for_the_text_as_proposed_and_drops_with_edits():
    proposed = "Oi, Maria! Já te passo o valor certinho."
    assert similarity(proposed, proposed) == 1.0
    edited = similarity(proposed, "Oi, Maria! O vestido sai por R$ 149,90 no Pix.")
    assert 0 < edited < 1
    assert similarity(proposed, "ok") < edited
