"""Leads through the REST API: the ranking, one lead's history, status and owner."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ponte.accounts.models import Member
from ponte.api.test_api import store
from ponte.api.test_privacy_api import Api
from ponte.leads.models import Lead, LeadScore

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 1, tzinfo=UTC)


def make_lead(tenant, phone: str, *scores: int, status: str = Lead.Status.NEW) -> Lead:
    """A lead for a customer who wrote once, scored `scores` in turn (the last is current)."""
    message = store(tenant.instance, f"{phone}@c.us", f"M{phone}", 1, "quanto custa?")
    lead = Lead.objects.create(org=tenant.org, contact=message.conversation.contact,
                               status=status)
    for n, score in enumerate(scores):
        LeadScore.objects.create(lead=lead, org=tenant.org, score=score, reasons=[f"motivo {n}"],
                                 sentiment_label="positive", sentiment_value=0.4, intent=0.5,
                                 scored_at=START + timedelta(minutes=n))
    if scores:
        Lead.objects.filter(pk=lead.pk).update(
            score=scores[-1], reasons=[f"motivo {len(scores) - 1}"], sentiment_label="positive",
            sentiment_value=0.4, intent=0.5, scored_at=START + timedelta(minutes=len(scores)))
    return Lead.objects.get(pk=lead.pk)


def member(tenant, email: str) -> None:
    user = get_user_model().objects.create_user(username=email, email=email, password="x")
    Member.objects.create(org=tenant.org, user=user)


def test_leads_are_ranked_hottest_first_with_unscored_last(make_tenant):
    tenant = make_tenant()
    cold = make_lead(tenant, "5531900000001", 20)
    hot = make_lead(tenant, "5531900000002", 40, 85)
    unscored = make_lead(tenant, "5531900000003")
    warm = make_lead(tenant, "5531900000004", 55)
    items = Api(tenant).get("/leads").json()["items"]
    assert [item["id"] for item in items] == [hot.pk, warm.pk, cold.pk, unscored.pk]
    first = items[0]
    assert first["contact"]["e164"] == "+5531900000002"
    assert first["conversation_id"] == hot.contact.conversations.get().pk
    assert (first["score"], first["band"], first["trend"]) == (85, "hot", 45)
    assert first["sentiment"] == {"label": "positive", "value": 0.4}
    assert first["reasons"] == ["motivo 1"] and first["status"] == "new"
    assert items[1]["trend"] is None  # one scoring: nothing to compare with
    assert items[3]["score"] is None and items[3]["sentiment"] is None


def test_pages_follow_the_ranking_without_gaps_or_repeats(make_tenant):
    tenant = make_tenant()
    scores = [90, 70, 70, 70, 40, 0, 0]
    made = [make_lead(tenant, f"55319000001{n:02d}", score) for n, score in enumerate(scores)]
    made.append(make_lead(tenant, "5531900000199"))
    api, seen, before = Api(tenant), [], None
    while True:
        params = {"limit": 3, **({"before": before} if before else {})}
        answer = api.get("/leads", params).json()
        seen += answer["items"]
        before = answer["next_before"]
        if before is None:
            break
    assert len(seen) == len(made)
    assert len({item["id"] for item in seen}) == len(made)
    ranked = [(item["score"] if item["score"] is not None else -1, item["id"]) for item in seen]
    assert ranked == sorted(ranked, reverse=True)


def test_a_cursor_that_is_not_ours_is_a_400(make_tenant):
    response = Api(make_tenant()).get("/leads", {"before": "nonsense!"})
    assert response.status_code == 400 and response.json()["error"] == "bad_cursor"


def test_leads_filter_by_status_and_band(make_tenant):
    tenant = make_tenant()
    hot_won = make_lead(tenant, "5531900000001", 80, status=Lead.Status.WON)
    hot_new = make_lead(tenant, "5531900000002", 75)
    warm = make_lead(tenant, "5531900000003", 69)
    cold = make_lead(tenant, "5531900000004", 39)
    api = Api(tenant)

    def ids(params: dict) -> list[int]:
        return [item["id"] for item in api.get("/leads", params).json()["items"]]

    assert ids({"band": "hot"}) == [hot_won.pk, hot_new.pk]
    assert ids({"band": "warm"}) == [warm.pk]
    assert ids({"band": "cold"}) == [cold.pk]
    assert ids({"status": "won"}) == [hot_won.pk]
    assert ids({"status": "new", "band": "hot"}) == [hot_new.pk]
    assert api.get("/leads", {"band": "lukewarm"}).status_code == 422
    assert api.get("/leads", {"status": "sold"}).status_code == 422


def test_a_lead_shows_its_history_newest_first(make_tenant):
    tenant = make_tenant()
    lead = make_lead(tenant, "5531900000001", 10, 60, 30)
    answer = Api(tenant).get(f"/leads/{lead.pk}").json()
    assert answer["id"] == lead.pk and answer["trend"] == -30
    assert [row["score"] for row in answer["history"]] == [30, 60, 10]
    assert answer["history"][0] == {"score": 30, "sentiment": {"label": "positive", "value": 0.4},
                                    "intent": 0.5, "reasons": ["motivo 2"],
                                    "scored_at": "2026-01-01T00:02:00Z"}


def test_patch_sets_status_and_owner_and_clears_the_owner(make_tenant):
    tenant = make_tenant()
    member(tenant, "vendedora@loja.com.br")
    lead = make_lead(tenant, "5531900000001", 50)
    api = Api(tenant)
    answer = api.patch(f"/leads/{lead.pk}", {"status": "in_progress",
                                             "owner_email": "Vendedora@Loja.com.br"})
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["owner"]) == ("in_progress",
                                                                 "vendedora@loja.com.br")
    assert answer.json()["status_label"] == "Em atendimento"
    lead.refresh_from_db()
    assert lead.status == Lead.Status.IN_PROGRESS and lead.owner.email == "vendedora@loja.com.br"
    answer = api.patch(f"/leads/{lead.pk}", {"status": "won"}).json()
    assert (answer["status"], answer["owner"]) == ("won", "vendedora@loja.com.br")
    assert api.patch(f"/leads/{lead.pk}", {"owner_email": None}).json()["owner"] is None
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == (Lead.Status.WON, None)


def test_patch_refuses_a_bad_status_or_an_owner_outside_the_organization(make_tenant):
    tenant, other = make_tenant(), make_tenant(name="Outra loja")
    member(other, "de-fora@outra.com.br")
    lead = make_lead(tenant, "5531900000001", 50)
    api = Api(tenant)
    bad_status = api.patch(f"/leads/{lead.pk}", {"status": "sold"})
    assert bad_status.status_code == 422
    assert bad_status.json()["error"] == "invalid"
    assert [e["field"] for e in bad_status.json()["detail"]] == ["status"]
    outsider = api.patch(f"/leads/{lead.pk}", {"owner_email": "de-fora@outra.com.br",
                                               "status": "won"})
    assert outsider.status_code == 422
    assert outsider.json()["error"] == "invalid_owner"
    assert "não é membro desta organização" in outsider.json()["detail"]
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == (Lead.Status.NEW, None)  # nothing half-applied


def test_another_organizations_lead_is_a_404(make_tenant):
    tenant, other = make_tenant(), make_tenant(name="Outra loja")
    theirs = make_lead(other, "5531900000001", 90)
    api = Api(tenant)
    assert api.get("/leads").json()["items"] == []
    for response in (api.get(f"/leads/{theirs.pk}"),
                     api.patch(f"/leads/{theirs.pk}", {"status": "lost"})):
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "detail": "No such lead."}
    theirs.refresh_from_db()
    assert theirs.status == Lead.Status.NEW


def test_the_leads_endpoints_are_in_the_openapi_document(make_tenant):
    document = Client().get("/api/v1/openapi.json").json()
    assert {"get", "patch"} <= set(document["paths"]["/api/v1/leads/{lead_id}"])
    listing = document["paths"]["/api/v1/leads"]["get"]
    assert {"before", "limit", "status", "band"} <= {p["name"] for p in listing["parameters"]}
    schemas = document["components"]["schemas"]
    assert {"trend", "reasons", "sentiment", "conversation_id"} <= set(
        schemas["LeadOut"]["properties"])
