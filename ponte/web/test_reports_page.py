"""Relatórios through Django's test client: managers read figures and charts, download the
CSV; attendants are refused."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ponte.accounts.models import Role
from ponte.desk.test_reports import week  # noqa: F401 (the seeded week of chats)
from ponte.web.test_settings_privacy import add_member, owner_of

pytestmark = pytest.mark.django_db
WEEK = {"from": "2026-11-09", "to": "2026-11-15"}


def test_the_owner_reads_the_weeks_figures_and_charts(week):  # noqa: F811
    page = owner_of(week.tenant).get("/reports/", WEEK).content.decode()

    assert '<p class="big" data-figure="first-response-median">20 min</p>' in page
    assert "90% em até 9 h 15 min" in page  # p90 of 5, 10, 30 and 780 minutes: 555
    assert "4 de 5 aberturas respondidas" in page
    assert '<p class="big" data-figure="resolution-median">1 h 00 min</p>' in page
    assert '<p class="big" data-figure="customer-messages">7</p>' in page
    assert re.search(r'data-status="resolved"><th scope="row">Resolvida</th>'
                     r'<td class="num">2</td>', page)
    assert 'aria-labelledby="chart-hour-title" data-bars="24"' in page
    assert 'aria-labelledby="chart-weekday-title" data-bars="7"' in page
    assert "<title>09h: 2 mensagens</title>" in page
    assert 'aria-hidden="true">09h</text>' in page, "every third hour labelled under its bar"
    assert 'aria-hidden="true">10h</text>' not in page
    assert "<title>Sábado: 1 mensagem</title>" in page
    assert "<th scope=\"row\">Bia Souza</th><td class=\"num\">3</td><td class=\"num\">4</td>" \
           "<td class=\"num\">10 min</td>" in page
    assert 'href="/reports/csv/?from=2026-11-09&amp;to=2026-11-15"' in page


def test_presets_and_the_navigation_link(make_tenant):
    tenant = make_tenant()
    page = owner_of(tenant).get("/reports/").content.decode()
    today = datetime.now(ZoneInfo("America/Sao_Paulo")).date()
    assert '<a href="/reports/">Relatórios</a>' in page
    assert "Últimos 7 dias" in page and "Últimos 30 dias" in page and "Este mês" in page
    first_of_month = today.replace(day=1).isoformat()
    assert f'?from={first_of_month}&amp;to=' in page
    assert 'aria-current="true">Últimos 7 dias' in page, "the last 7 days when none is chosen"


def test_an_agent_gets_403_and_no_link(make_tenant):
    tenant = make_tenant()
    agent = add_member(tenant, Role.AGENT)
    assert agent.get("/reports/").status_code == 403
    assert agent.get("/reports/csv/").status_code == 403
    assert "/reports/" not in agent.get("/").content.decode()


def test_a_period_that_ends_before_it_starts_is_refused(make_tenant):
    owner = owner_of(make_tenant())
    response = owner.get("/reports/", {"from": "2026-11-15", "to": "2026-11-09"})
    assert response.status_code == 400
    assert "O período termina antes de começar" in response.content.decode()
    assert owner.get("/reports/csv/", {"from": "x", "to": "2026-11-09"}).status_code == 400


def test_the_csv_download_has_excel_headers_and_a_bom(week):  # noqa: F811
    response = owner_of(week.tenant).get("/reports/csv/", WEEK)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="relatorio-atendimento-2026-11-09-a-2026-11-15.csv"')
    body = response.content
    assert body.startswith(b"\xef\xbb\xbfRelat\xc3\xb3rio de atendimento;")
    text = body.decode("utf-8-sig")
    assert "Aberturas de conversa;5\r\n" in text
    assert "Atendente;Conversas atribuídas;Mensagens enviadas;" in text
