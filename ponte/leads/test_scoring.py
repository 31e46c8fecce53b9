"""Every number that writes becomes a lead, scored once its burst of messages is over."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ponte import realtime
from ponte.conversations.models import Conversation, Message
from ponte.inbox.pipeline import drain
from ponte.leads.models import Lead, LeadScore
from ponte.leads.services import do_score_due_leads
from ponte.privacy.services import Actor, do_hide_number
from tests.support import wppconnect_text

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "5531987654321"
LATER = timedelta(minutes=1)


def receive(tenant, *bodies: dict) -> None:
    """Post each body through the real webhook, then let the drainer store them."""
    client = Client()
    for body in bodies:
        response = client.post(tenant.instance.webhook_path, data=json.dumps(body),
                               content_type="application/json")
        assert response.status_code == 200
    drain()


def customer(text: str, message_id: str, phone: str = PHONE) -> dict:
    return wppconnect_text(phone, message_id, text)


def ours(text: str, message_id: str, phone: str = PHONE) -> dict:
    """The engine's copy of a message the shop sent from the phone."""
    return {**wppconnect_text(phone, message_id, text), "fromMe": True,
            "from": "5511988880000@c.us", "to": f"{phone}@c.us",
            "id": f"true_{phone}@c.us_{message_id}"}


def score_due(after: timedelta = LATER) -> int:
    return do_score_due_leads(now=timezone.now() + after)


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, dict]]:
    events: list[tuple[str, dict]] = []
    monkeypatch.setattr(realtime, "publish", lambda org, kind, data: events.append((kind, data)))
    return events


def test_a_new_numbers_first_message_creates_a_lead(make_tenant):
    tenant = make_tenant()
    receive(tenant, customer("Oi, tudo bem?", "M1"))
    lead = Lead.objects.get()
    assert lead.org_id == tenant.org.id
    assert lead.contact.e164 == f"+{PHONE}"
    assert (lead.status, lead.source, lead.score) == (Lead.Status.NEW, "whatsapp", None)
    assert lead.score_due_at is not None


def test_a_burst_of_ten_messages_is_scored_once(make_tenant, published):
    tenant = make_tenant()
    receive(tenant, *[customer(f"mensagem {n}", f"A{n}") for n in range(5)])
    receive(tenant, *[customer(f"mensagem {n}", f"B{n}") for n in range(5)])
    assert Message.objects.count() == 10
    assert do_score_due_leads(now=timezone.now()) == 0  # the burst may not be over yet
    assert score_due() == 1
    assert score_due() == 0
    assert LeadScore.objects.count() == 1
    chat = Conversation.objects.get()
    scored = [data for kind, data in published if kind == "lead.scored"]
    assert scored == [{"lead_id": Lead.objects.get().pk, "conversation_ids": [chat.pk],
                       "score": Lead.objects.get().score}]


def test_a_price_question_then_proof_of_payment_scores_hot(make_tenant):
    tenant = make_tenant()
    receive(tenant, customer("Oi! Quanto custa o vestido preto?", "P1"),
            ours("R$ 149,90, temos no P, M e G", "P2"),
            customer("Fechado, vou pagar no pix", "P3"),
            customer("Segue o comprovante", "P4"))
    score_due()
    lead = Lead.objects.get()
    assert lead.score >= 70 and lead.band == "hot"
    assert "enviou comprovante" in lead.reasons
    assert lead.intent > 0.5
    assert lead.sentiment_label in {"negative", "neutral", "positive"}
    assert lead.scored_at is not None and lead.score_due_at is None


def test_score_history_keeps_each_scoring(make_tenant):
    tenant = make_tenant()
    receive(tenant, customer("Obrigada, boa noite", "H1"))
    score_due(LATER)
    receive(tenant, customer("Quanto custa a bolsa? Vou pagar no pix, segue o comprovante", "H2"))
    score_due(2 * LATER)
    lead = Lead.objects.get()
    history = list(lead.scores.order_by("scored_at"))
    assert len(history) == 2
    assert history[0].score < history[1].score == lead.score
    assert history[1].reasons == lead.reasons and history[1].org_id == tenant.org.id


def test_the_history_keeps_the_latest_scorings_only(make_tenant, settings):
    settings.PONTE_LEAD_SCORES_KEPT = 3
    tenant = make_tenant()
    texts = ["Oi", "Tem a bolsa?", "Quanto custa?", "Aceita pix?", "Segue o comprovante"]
    for turn, text in enumerate(texts, start=1):
        receive(tenant, customer(text, f"K{turn}"))
        score_due(turn * LATER)
    lead = Lead.objects.get()
    kept = list(lead.scores.order_by("scored_at").values_list("scored_at", flat=True))
    assert len(kept) == 3 and kept[-1] == lead.scored_at
    assert kept[0] > lead.created_at + 2 * LATER, "the two oldest scorings are gone"


def test_a_hidden_numbers_message_creates_no_lead(make_tenant):
    tenant = make_tenant()
    do_hide_number(tenant.org.id, f"+{PHONE}", Actor(None, "x"))
    receive(tenant, customer("Quanto custa?", "X1"))
    assert Message.objects.count() == 0
    assert Lead.objects.count() == 0


def test_hiding_a_scored_number_erases_its_lead_and_history(make_tenant):
    tenant = make_tenant()
    receive(tenant, customer("Quanto custa?", "E1"))
    score_due()
    do_hide_number(tenant.org.id, f"+{PHONE}", Actor(None, "x"))
    assert (Lead.objects.count(), LeadScore.objects.count()) == (0, 0)


def test_our_own_outbound_messages_do_not_create_leads(make_tenant):
    tenant = make_tenant()
    receive(tenant, ours("Oi, sua encomenda chegou", "O1"))
    assert Message.objects.get().direction == Message.Direction.OUTBOUND
    assert Lead.objects.count() == 0


def test_our_own_outbound_messages_do_not_rescore_a_lead(make_tenant):
    tenant = make_tenant()
    receive(tenant, customer("Tem o vestido preto?", "R1"))
    score_due()
    receive(tenant, ours("Tem sim!", "R2"))
    assert Lead.objects.get().score_due_at is None
    assert score_due(2 * LATER) == 0
