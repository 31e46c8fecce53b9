"""The scoring pass proposes a reply when the customer spoke last, and never sends it."""

import pytest

from ponte.ai.scoring import Suggestion
from ponte.conversations.models import Conversation, Message
from ponte.leads import services
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


def test_a_failing_provider_costs_the_suggestion_not_the_score(make_tenant, monkeypatch):
    class Broken:
        name = "broken"

        def suggest(self, messages, customer_name, style_note=""):
            raise TimeoutError("provider down")

    monkeypatch.setattr(services, "_provider", lambda org_id: Broken())
    tenant = make_tenant()
    receive(tenant, customer("Quanto custa?", "F1"))
    assert score_due() == 1
    assert ReplySuggestion.objects.count() == 0


def test_the_style_note_reaches_the_provider(make_tenant, monkeypatch):
    asked = []

    class Recording:
        name = "recording"

        def suggest(self, messages, customer_name, style_note=""):
            asked.append((messages[-1].text, customer_name, style_note))
            return Suggestion("Olá! Já te respondo.", "other")

    monkeypatch.setattr(services, "_provider", lambda org_id: Recording())
    monkeypatch.setattr(services, "_style_note", lambda org_id: "sem emojis")
    tenant = make_tenant()
    receive(tenant, customer("Oi!", "T1"))
    score_due()
    assert asked == [("Oi!", "Maria", "sem emojis")]
    assert ReplySuggestion.objects.get().provider == "recording"


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
