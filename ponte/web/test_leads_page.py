"""The Leads page through Django's test client: the ranking, its filters, and changing a lead."""

import re
from dataclasses import fields
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ponte.accounts.models import Member, Role
from ponte.accounts.services import do_create_instance
from ponte.conversations.models import Conversation
from ponte.leads.models import Lead, LeadScore
from ponte.web import leads_views
from ponte.web.test_workspace import add_chat, add_message

pytestmark = pytest.mark.django_db

EMPTY = "Nenhum lead ainda: cada número novo que escrever vira um lead."


def make_lead(tenant, e164: str, name: str, *scores: int, ago: timedelta = timedelta(minutes=5),
              **fields) -> Lead:
    """A customer who wrote once, scored `scores` in turn (the last is current), `ago` ago."""
    chat = add_chat(tenant, e164, name)
    add_message(chat, "quanto custa?")
    lead = Lead.objects.create(org=tenant.org, contact=chat.contact, **fields)
    now = timezone.now() - ago
    for n, score in enumerate(scores):
        LeadScore.objects.create(lead=lead, org=tenant.org, score=score, reasons=[f"motivo {n}"],
                                 scored_at=now - timedelta(minutes=len(scores) - n))
    if scores:
        Lead.objects.filter(pk=lead.pk).update(
            score=scores[-1], reasons=["pediu o preço", "quer pagar no pix"],
            sentiment_label="positive", sentiment_value=0.5, scored_at=now)
    return Lead.objects.get(pk=lead.pk)


def join(tenant, email: str, role: str = Role.AGENT, first_name: str = ""):
    user = get_user_model().objects.create_user(username=email, email=email, password="senha",
                                                first_name=first_name)
    Member.objects.create(org=tenant.org, user=user, role=role)
    return user


def signed_in(email: str, password: str) -> Client:
    client = Client(raise_request_exception=False)
    assert client.login(username=email, password=password)
    return client


def rows(page: str) -> list[str]:
    """The names of the leads on a page, top to bottom."""
    return [re.sub(r"<[^>]+>", "", name).strip()
            for name in re.findall(r'class="lead-name"[^>]*>(.*?)</(?:a|strong)>', page, re.S)]


def row(page: str, lead: Lead) -> str:
    return re.search(rf'<article class="lead-row" id="lead-{lead.pk}".*?</article>', page,
                     re.S).group(0)


@pytest.fixture
def shop(make_tenant, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    tenant = make_tenant()
    return SimpleNamespace(**{f.name: getattr(tenant, f.name) for f in fields(tenant)},
                           owner=get_user_model().objects.get(email=tenant.owner_email),
                           client=signed_in(tenant.owner_email, tenant.owner_password))


def page_of(shop, **params) -> str:
    response = shop.client.get("/leads/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_leads_are_ranked_hottest_first_with_unscored_last(shop):
    make_lead(shop, "+5531900000001", "Carla Fria", 20)
    make_lead(shop, "+5531900000002", "Ana Quente", 40, 85)
    make_lead(shop, "+5531900000003", "")
    make_lead(shop, "+5531900000004", "Bruno Morno", 55)

    page = page_of(shop)

    assert rows(page) == ["Ana Quente", "Bruno Morno", "Carla Fria", "+55 31 90000-0003"]
    assert '<span class="score hot"' in page and '<span class="score cold"' in page
    assert "Ainda sem pontuação." in page


def test_a_row_shows_sentiment_reasons_status_owner_time_and_opens_the_latest_chat(shop):
    lead = make_lead(shop, "+5531900000001", "Ana", 70, status=Lead.Status.IN_PROGRESS)
    Lead.objects.filter(pk=lead.pk).update(owner=shop.owner)
    older = lead.contact.conversations.get()
    newer = add_chat_for(shop, lead)

    shown = row(page_of(shop), lead)

    assert f'href="/conversations/{newer.pk}/"' in shown
    assert f"/conversations/{older.pk}/" not in shown
    assert "positivo" in shown and "pediu o preço" in shown and "quer pagar no pix" in shown
    assert '<option value="in_progress" selected>Em atendimento</option>' in shown
    assert f'<option value="{shop.owner_email}" selected>Eu</option>' in shown
    assert timezone.localtime(lead.scored_at).strftime("%H:%M") in shown


def add_chat_for(shop, lead: Lead):
    """A second chat of the same person, on another number of the shop, written to later."""
    other = do_create_instance(shop.org, "wppconnect", name="Loja 2")
    chat = Conversation.objects.create(org=shop.org, instance=other, contact=lead.contact)
    add_message(chat, "voltei", minutes_ago=-1)
    return chat


@pytest.mark.parametrize(("scores", "arrow", "label"), [
    ((40, 85), "↑", "Subiu 45 pontos desde a pontuação anterior"),
    ((85, 84), "↓", "Caiu 1 ponto desde a pontuação anterior"),
    ((60, 60), "→", "Igual à pontuação anterior"),
])
def test_the_trend_arrow_says_how_the_last_scoring_moved_the_lead(shop, scores, arrow, label):
    lead = make_lead(shop, "+5531900000001", "Ana", *scores)

    shown = row(page_of(shop), lead)

    assert f'aria-label="{label}" title="{label}">{arrow}</span>' in shown


def test_a_lead_scored_once_has_no_arrow(shop):
    lead = make_lead(shop, "+5531900000001", "Ana", 70)
    assert 'class="trend' not in row(page_of(shop), lead)


def test_band_filter_picks_hot_warm_or_cold_in_either_language(shop):
    make_lead(shop, "+5531900000001", "Ana Quente", 90)
    make_lead(shop, "+5531900000002", "Bruno Morno", 50)
    make_lead(shop, "+5531900000003", "Carla Fria", 10)
    make_lead(shop, "+5531900000004", "Sem Nota")

    assert rows(page_of(shop, band="hot")) == ["Ana Quente"]
    assert rows(page_of(shop, band="quente")) == ["Ana Quente"]
    assert rows(page_of(shop, band="warm")) == ["Bruno Morno"]
    assert rows(page_of(shop, band="frio")) == ["Carla Fria"]


def test_status_filter_picks_one_status(shop):
    make_lead(shop, "+5531900000001", "Ana Ganha", 90, status=Lead.Status.WON)
    make_lead(shop, "+5531900000002", "Bruno Perdido", 50, status=Lead.Status.LOST)
    make_lead(shop, "+5531900000003", "Carla Nova", 10)

    assert rows(page_of(shop, status="won")) == ["Ana Ganha"]
    assert rows(page_of(shop, status="lost")) == ["Bruno Perdido"]
    assert rows(page_of(shop, status="new")) == ["Carla Nova"]


def test_owner_filter_picks_mine_nobodys_or_a_members(shop):
    colleague = join(shop, "bia@loja.test", first_name="Bia")
    make_lead(shop, "+5531900000001", "Ana Minha", 90, owner=shop.owner)
    make_lead(shop, "+5531900000002", "Bruno da Bia", 50, owner=colleague)
    make_lead(shop, "+5531900000003", "Carla Livre", 10)

    assert rows(page_of(shop, owner="me")) == ["Ana Minha"]
    assert rows(page_of(shop, owner="nobody")) == ["Carla Livre"]
    page = page_of(shop, owner=str(colleague.pk))
    assert rows(page) == ["Bruno da Bia"]
    assert f'<option value="{colleague.pk}" selected>Bia</option>' in page


def test_period_filter_picks_leads_scored_recently(shop):
    make_lead(shop, "+5531900000001", "Ana Hoje", 90, ago=timedelta(hours=2))
    make_lead(shop, "+5531900000002", "Bruno Semana", 50, ago=timedelta(days=3))
    make_lead(shop, "+5531900000003", "Carla Mês", 10, ago=timedelta(days=20))
    make_lead(shop, "+5531900000004", "Diego Antigo", 60, ago=timedelta(days=90))
    make_lead(shop, "+5531900000005", "Sem Nota")

    assert rows(page_of(shop, period="24h")) == ["Ana Hoje"]
    assert rows(page_of(shop, period="7d")) == ["Ana Hoje", "Bruno Semana"]
    assert rows(page_of(shop, period="30d")) == ["Ana Hoje", "Bruno Semana", "Carla Mês"]
    assert len(rows(page_of(shop))) == 5


@pytest.mark.parametrize(("params", "named"), [
    ({"band": "fervendo"}, "Temperatura"), ({"status": "pago"}, "Situação"),
    ({"owner": "999999"}, "Responsável"), ({"owner": "alguém"}, "Responsável"),
    ({"period": "1y"}, "Pontuado"), ({"before": "muito:quente"}, "Página"),
    ({"band": "\x00"}, "Temperatura"), ({"status": "new" * 3000}, "Situação"),
])
def test_a_filter_value_we_do_not_know_is_ignored_and_said(shop, params, named):
    make_lead(shop, "+5531900000001", "Ana", 90)

    page = page_of(shop, **params)

    assert rows(page) == ["Ana"]
    assert "Filtros com valores que não entendemos foram ignorados" in page
    assert named in re.search(r'class="filters-ignored".*?</p>', page, re.S).group(0)


def test_another_members_id_as_owner_filter_from_another_org_is_ignored(shop, make_tenant):
    other = make_tenant(name="Outra Loja")
    outsider = get_user_model().objects.get(email=other.owner_email)
    make_lead(shop, "+5531900000001", "Ana", 90)

    page = page_of(shop, owner=str(outsider.pk))

    assert rows(page) == ["Ana"] and "filters-ignored" in page


def test_more_leads_follow_the_ranking_without_gaps_or_repeats(shop, monkeypatch):
    scores = [90, 70, 70, 70, 40, 0, 0]
    for n, score in enumerate(scores):
        make_lead(shop, f"+55319000001{n:02d}", f"Lead {n}", score)
    make_lead(shop, "+5531900000199", "Lead sem nota")
    monkeypatch.setattr(leads_views, "PAGE", 3)
    seen, url = [], "/leads/"
    while url:
        page = shop.client.get(url).content.decode()
        seen += rows(page)
        more = re.search(r'class="leads-more"><a class="button secondary" href="([^"]+)"', page)
        url = more.group(1).replace("&amp;", "&") if more else ""
    assert len(seen) == len(set(seen)) == 8
    assert seen[-1] == "Lead sem nota" and seen[0] == "Lead 0"


def test_empty_states_say_how_leads_come_and_when_filters_hide_them(shop):
    assert EMPTY in page_of(shop)
    make_lead(shop, "+5531900000001", "Ana", 20)
    page = page_of(shop, band="hot")
    assert EMPTY not in page and "Nenhum lead com esses filtros." in page


def test_the_workspace_nav_links_to_the_leads_page(shop):
    assert '<a href="/leads/">Leads</a>' in shop.client.get("/").content.decode()


def test_the_owner_changes_status_and_owner_from_the_row(shop):
    colleague = join(shop, "bia@loja.test")
    lead = make_lead(shop, "+5531900000001", "Ana", 90)

    response = shop.client.post("/leads/", {"lead": lead.pk, "status": "won",
                                            "owner": "BIA@loja.test"},
                                headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert '<option value="won" selected>Ganho</option>' in response.content.decode()
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == ("won", colleague)


def test_a_change_without_htmx_redirects_back_to_the_filtered_page(shop):
    lead = make_lead(shop, "+5531900000001", "Ana", 90)

    response = shop.client.post("/leads/?band=hot", {"lead": lead.pk, "status": "lost",
                                                      "owner": ""})

    assert response.status_code == 302 and response["Location"] == "/leads/?band=hot"
    assert "Lead atualizado." in shop.client.get(response["Location"]).content.decode()
    lead.refresh_from_db()
    assert lead.status == "lost"


def test_an_attendant_takes_a_free_lead_and_works_it(shop):
    join(shop, "ze@loja.test")
    agent = signed_in("ze@loja.test", "senha")
    lead = make_lead(shop, "+5531900000001", "Ana", 90)

    response = agent.post("/leads/", {"lead": lead.pk, "status": "in_progress",
                                      "owner": "ze@loja.test"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    lead.refresh_from_db()
    assert (lead.status, lead.owner.email) == ("in_progress", "ze@loja.test")


def test_an_attendant_cannot_change_a_colleagues_lead_nor_give_one_away(shop):
    colleague = join(shop, "bia@loja.test", first_name="Bia")
    join(shop, "ze@loja.test")
    agent = signed_in("ze@loja.test", "senha")
    hers = make_lead(shop, "+5531900000001", "Ana da Bia", 90, owner=colleague)
    free = make_lead(shop, "+5531900000002", "Bruno Livre", 50)

    shown = row(agent.get("/leads/").content.decode(), hers)
    assert "<select" not in shown and "Bia" in shown  # hers is read-only for him
    taken = agent.post("/leads/", {"lead": hers.pk, "status": "lost", "owner": "ze@loja.test"},
                       headers={"HX-Request": "true"})
    given = agent.post("/leads/", {"lead": free.pk, "status": "new", "owner": "bia@loja.test"},
                       headers={"HX-Request": "true"})

    assert taken.status_code == 403 and "só ela, um administrador" in taken.content.decode()
    assert given.status_code == 403 and "passa um lead para outra pessoa" in \
        given.content.decode()
    hers.refresh_from_db()
    free.refresh_from_db()
    assert (hers.status, hers.owner) == ("new", colleague)
    assert free.owner is None


def test_an_owner_that_is_not_a_member_is_refused_with_a_message(shop):
    lead = make_lead(shop, "+5531900000001", "Ana", 90)

    response = shop.client.post("/leads/", {"lead": lead.pk, "status": "new",
                                            "owner": "estranho@fora.test"},
                                headers={"HX-Request": "true"})

    assert response.status_code == 422
    assert "não é membro desta organização" in response.content.decode()
    lead.refresh_from_db()
    assert lead.owner is None


def test_another_organizations_leads_are_invisible_and_unchangeable(shop, make_tenant):
    other = make_tenant(name="Outra Loja")
    foreign = make_lead(other, "+5531900000001", "Segredo Alheio", 99)

    assert "Segredo Alheio" not in page_of(shop)
    assert "Segredo Alheio" not in shop.client.get("/leads/list/").content.decode()
    for headers in ({}, {"HX-Request": "true"}):
        response = shop.client.post("/leads/", {"lead": foreign.pk, "status": "lost",
                                                "owner": ""}, headers=headers)
        assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "new"


@pytest.mark.parametrize("lead_id", ["", "abc", "²", "9" * 50, "-1"])
def test_a_change_to_no_such_lead_is_not_found(shop, lead_id):
    response = shop.client.post("/leads/", {"lead": lead_id, "status": "won"})
    assert response.status_code == 404


def test_hostile_names_and_reasons_are_escaped(shop):
    lead = make_lead(shop, "+5531900000001", "<img src=x onerror=alert(1)>", 90)
    Lead.objects.filter(pk=lead.pk).update(reasons=["<script>alert('x')</script>"])
    join(shop, "mal@loja.test", first_name="<b>Mal</b>")

    page = page_of(shop)

    assert "<img src=x" not in page and "<script>alert" not in page and "<b>Mal" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_the_live_list_keeps_as_many_rows_as_the_tab_shows(shop):
    for n in range(60):
        make_lead(shop, f"+55319000002{n:02d}", f"Lead {n}", n)

    first = shop.client.get("/leads/list/").content.decode()
    more = shop.client.get("/leads/list/", {"limit": "60"}).content.decode()

    assert len(rows(first)) == 50 and "leads-more" in first
    assert len(rows(more)) == 60 and "leads-more" not in more


def test_the_page_speaks_english_to_whoever_chose_it(shop, settings):
    make_lead(shop, "+5531900000001", "Ana", 40, 85)
    shop.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = page_of(shop)

    assert "Up 45 points since the previous score" in page
    assert "Temperature" in page and "Any time" in page and "Nobody" in page
    assert "No leads match these filters." in page_of(shop, band="cold")


def test_a_change_without_the_csrf_token_is_refused(shop):
    lead = make_lead(shop, "+5531900000001", "Ana", 90)
    strict = Client(enforce_csrf_checks=True)
    strict.login(username=shop.owner_email, password=shop.owner_password)

    assert 'name="csrfmiddlewaretoken"' in strict.get("/leads/").content.decode()
    assert strict.post("/leads/", {"lead": lead.pk, "status": "won"}).status_code == 403
    lead.refresh_from_db()
    assert lead.status == "new"


def test_the_page_reads_the_same_few_queries_for_five_leads_or_forty(shop):
    join(shop, "bia@loja.test")

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            page_of(shop)
        return len(captured)

    for n in range(5):
        make_lead(shop, f"+55319000003{n:02d}", f"Lead {n}", 40, 50 + n, owner=shop.owner)
    few = queries_for_page()
    for n in range(5, 40):
        make_lead(shop, f"+55319000003{n:02d}", f"Lead {n}", 40, 50 + n, owner=shop.owner)
    assert queries_for_page() == few


def test_a_lead_whatsapp_gave_no_name_shows_its_erp_customers_name(shop):
    from ponte.erp.services import do_upsert_customers

    nameless = make_lead(shop, "+5531987654321", "", 80)
    do_upsert_customers(shop.org.pk, [{"external_id": "C-7", "name": "Ana Souza do ERP",
                                       "phones": ["31 8765-4321"]}])  # the 8-digit form
    assert "Ana Souza do ERP" in row(page_of(shop), nameless)
