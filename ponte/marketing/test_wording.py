"""A reminder's text: the shop's template filled with money and dates the Brazilian way."""

from datetime import date
from decimal import Decimal

import pytest

from ponte.marketing.services import RecallSettingsRefused, check_recall_settings
from ponte.marketing.wording import TemplateRefused, check_template, fill


def test_a_hostile_name_goes_in_as_data():
    template = "Oi, {nome}! Vence em {validade}."
    text = fill(template, {"nome": "{validade}{nome.__class__}", "validade": "10/12/2026"})
    assert text == "Oi, {validade}{nome.__class__}! Vence em 10/12/2026."


def test_unknown_placeholders_are_refused_with_their_names():
    with pytest.raises(TemplateRefused, match=r"\{nome.__class__\}.*\{valor\}"):
        check_template("Oi {nome}, {valor} {nome.__class__}")
    assert check_template("Oi {nome}, {valor_cashback} até {validade}") \
        == "Oi {nome}, {valor_cashback} até {validade}"


def settings_typed(**changes) -> dict:
    return {"cashback_minimum": "10,00", "cashback_window_days": "7", "inactivity_days_1": "30",
            "inactivity_days_2": "60", "inactivity_days_3": "90", "birthday_enabled": "1",
            "template_cashback": "", "template_inactivity": "", "template_birthday": "",
            **changes}


def test_settings_accept_brazilian_money_and_refuse_bad_days_and_fields():
    checked = check_recall_settings(settings_typed(cashback_minimum="R$ 1.234,50"))
    assert checked["cashback_minimum"] == Decimal("1234.50")
    with pytest.raises(RecallSettingsRefused) as refused:
        check_recall_settings(settings_typed(inactivity_days_2="0"))
    assert refused.value.field == "inactivity_days_2"
    with pytest.raises(RecallSettingsRefused) as refused:
        check_recall_settings(settings_typed(template_birthday="Oi {cliente}"))
    assert refused.value.field == "template_birthday"
    assert "{cliente}" in refused.value.detail


def test_dates_in_messages_are_day_month_year():
    from ponte.marketing.wording import format_date
    assert format_date(date(2026, 3, 5)) == "05/03/2026"
