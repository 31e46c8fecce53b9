"""Settings › Atendimento through Django's test client: managers edit, agents are refused."""

import pytest
from django.urls import reverse

from ponte.accounts.models import Role
from ponte.desk.models import DeskSettings
from ponte.web.test_settings_privacy import add_member, owner_of

pytestmark = pytest.mark.django_db
PAGE = "/settings/desk/"


def week(**overrides) -> dict:
    """The form as a browser posts it: Monday to Friday 9–12 and 13–18, the weekend closed."""
    form = {"agents_see_all": "1", "away_enabled": "1", "away_text": "Voltamos às 9h!",
            "time_zone": "America/Sao_Paulo"}
    for day in range(7):
        if day < 5:
            form.update({f"start1-{day}": "09:00", f"end1-{day}": "12:00",
                         f"start2-{day}": "13:00", f"end2-{day}": "18:00"})
        else:
            form[f"closed-{day}"] = "1"
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


def test_an_agent_gets_403_on_the_page_and_every_action(make_tenant):
    tenant = make_tenant()
    agent = add_member(tenant, Role.AGENT)
    assert agent.get(PAGE).status_code == 403
    assert agent.post(reverse("settings_desk_save"), week()).status_code == 403
    assert agent.post(reverse("settings_desk_holidays"),
                      {"action": "national", "year": "2026"}).status_code == 403
    assert not DeskSettings.objects.exists()


def test_an_admin_sees_the_page_with_the_defaults_and_the_settings_link(make_tenant):
    tenant = make_tenant()
    page = add_member(tenant, Role.ADMIN).get(PAGE).content.decode()
    assert "Configurações › Atendimento" in page
    assert 'aria-current="page">Atendimento' in page
    assert "Atendentes veem todas as conversas" in page
    assert "Distribuir conversas novas entre atendentes online" in page
    assert '<option value="America/Sao_Paulo" selected>' in page
    assert 'name="start1-0" value="09:00"' in page, "a usual week suggested"
    assert 'name="closed-6" value="1" aria-label="Domingo: fechado" checked' in page
    assert '<a href="/settings/desk/">Atendimento</a>' in owner_of(tenant).get(
        "/settings/ai/").content.decode()


def test_the_owner_saves_team_switches_away_message_and_hours(make_tenant):
    tenant = make_tenant()
    owner = owner_of(tenant)
    response = owner.post(reverse("settings_desk_save"),
                          week(agents_see_all=None, round_robin="1", **{"start2-4": "",
                                                                       "end2-4": ""}))
    assert response.status_code == 302 and response["Location"] == PAGE
    desk = DeskSettings.objects.get(org=tenant.org)
    assert (desk.agents_see_all, desk.round_robin, desk.away_enabled) == (False, True, True)
    assert desk.away_text == "Voltamos às 9h!"
    assert desk.business_hours["0"] == [["09:00", "12:00"], ["13:00", "18:00"]]
    assert desk.business_hours["4"] == [["09:00", "12:00"]]
    assert "5" not in desk.business_hours and "6" not in desk.business_hours

    page = owner.get(PAGE).content.decode()
    assert "Configurações de atendimento salvas." in page
    assert 'name="start2-0" value="13:00"' in page
    assert 'name="closed-6" value="1" aria-label="Domingo: fechado" checked' in page


def test_an_interval_ending_before_it_starts_is_refused_and_nothing_changes(make_tenant):
    tenant = make_tenant()
    owner = owner_of(tenant)
    response = owner.post(reverse("settings_desk_save"),
                          week(**{"start1-2": "18:00", "end1-2": "09:00", "away_text": "Oi"}))
    assert response.status_code == 422
    page = response.content.decode()
    assert "Quarta-feira: o horário precisa terminar depois de começar (18:00–09:00)" in page
    assert 'name="start1-2" value="18:00"' in page, "what was typed comes back"
    assert ">Oi</textarea>" in page
    assert not DeskSettings.objects.exists()


def test_enabling_the_away_message_without_text_is_refused(make_tenant):
    owner = owner_of(make_tenant())
    response = owner.post(reverse("settings_desk_save"), week(away_text="  "))
    assert response.status_code == 422
    assert "Escreva a mensagem de ausência para ativá-la." in response.content.decode()


def test_national_holidays_fill_in_one_click_and_dates_are_added_and_removed(make_tenant):
    tenant = make_tenant()
    owner = owner_of(tenant)
    url = reverse("settings_desk_holidays")

    assert owner.post(url, {"action": "national", "year": "2026"}).status_code == 302
    assert owner.post(url, {"action": "add", "date": "2026-03-19"}).status_code == 302
    assert owner.post(url, {"action": "remove", "date": "2026-06-04"}).status_code == 302
    assert owner.post(url, {"action": "national", "year": "2026"}).status_code == 302

    holidays = DeskSettings.objects.get(org=tenant.org).holidays
    assert holidays[:3] == ["2026-01-01", "2026-02-16", "2026-02-17"]
    assert "2026-03-19" in holidays and "2026-04-03" in holidays
    assert len(holidays) == len(set(holidays)) == 14, "the fill adds each date once"
    page = owner.get(PAGE).content.decode()
    assert "Sexta-feira Santa" in page and "19/03/2026" in page
    assert "Adicionar feriados nacionais de" in page


def test_a_date_that_does_not_exist_is_refused_in_portuguese(make_tenant):
    owner = owner_of(make_tenant())
    response = owner.post(reverse("settings_desk_holidays"),
                          {"action": "add", "date": "31/02/2026"})
    assert response.status_code == 422
    assert "“31/02/2026” não é uma data." in response.content.decode()
