"""Opening hours, holidays and absences: when the shop is closed, and which night it is."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from ponte.desk.hours import Hours, absence_key, easter, national_holidays
from ponte.desk.preferences import (
    DayHours,
    DeskSettingsRefused,
    check_away,
    check_holiday,
    check_hours,
    check_time_zone,
)

SP = ZoneInfo("America/Sao_Paulo")
WEEKDAYS_9_TO_6 = {str(d): [["09:00", "12:00"], ["13:00", "18:00"]] for d in range(5)}


def at(text: str, zone=SP) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def shop(holidays=(), zone="America/Sao_Paulo", week=None) -> Hours:
    return Hours.of(WEEKDAYS_9_TO_6 if week is None else week, list(holidays), zone)


def test_open_within_an_interval_closed_at_lunch_and_at_night():
    hours = shop()
    assert hours.is_open(at("2026-12-08T09:00"))  # Tuesday
    assert hours.is_open(at("2026-12-08T17:59"))
    assert not hours.is_open(at("2026-12-08T12:30"))
    assert not hours.is_open(at("2026-12-08T18:00"))
    assert not hours.is_open(at("2026-12-08T08:59"))


def test_a_closed_night_spanning_midnight_is_one_absence():
    hours = shop()
    evening = hours.absence_start(at("2026-12-08T22:00"))
    after_midnight = hours.absence_start(at("2026-12-09T01:30"))
    early_morning = hours.absence_start(at("2026-12-09T08:59"))
    assert evening == after_midnight == early_morning == at("2026-12-08T18:00")
    assert hours.absence_start(at("2026-12-09T22:00")) == at("2026-12-09T18:00")


def test_lunch_break_is_its_own_short_absence():
    assert shop().absence_start(at("2026-12-08T12:15")) == at("2026-12-08T12:00")


def test_the_weekend_is_one_absence_from_friday_evening_to_monday_morning():
    hours = shop()
    friday = at("2026-12-11T18:00")
    for moment in ("2026-12-11T19:00", "2026-12-12T12:00", "2026-12-13T23:59",
                   "2026-12-14T08:00"):
        assert hours.absence_start(at(moment)) == friday, moment
    assert hours.absence_start(at("2026-12-14T09:00")) is None


def test_a_holiday_is_closed_all_day_and_joins_the_nights_around_it():
    hours = shop(holidays=["2026-12-25"])  # a Friday
    assert not hours.is_open(at("2026-12-25T10:00"))
    assert hours.absence_start(at("2026-12-25T12:00")) == at("2026-12-24T18:00")
    assert hours.absence_start(at("2026-12-27T20:00")) == at("2026-12-24T18:00")


def test_the_shops_time_zone_decides_not_the_servers():
    manaus = shop(zone="America/Manaus")  # an hour behind São Paulo
    moment = at("2026-12-08T18:30")  # 17:30 in Manaus: still open there
    assert manaus.is_open(moment)
    assert not shop().is_open(moment)


def test_a_shop_never_open_has_one_absence_a_day():
    hours = shop(week={})
    assert hours.absence_start(at("2026-12-08T22:00")) == at("2026-12-08T00:00")
    assert hours.absence_start(at("2026-12-09T03:00")) == at("2026-12-09T00:00")


def test_the_absence_key_is_its_start_in_iso_with_the_shops_offset():
    assert absence_key(at("2026-12-08T18:00")) == "2026-12-08T18:00-03:00"


def test_stored_hours_that_make_no_sense_close_their_day_instead_of_failing():
    hours = Hours.of({"0": [["18:00", "09:00"]], "1": [["nove", "18:00"]], "2": "x"},
                     ["not-a-date"], "Marte/Olimpo")
    assert not hours.is_open(at("2026-12-07T10:00"))  # Monday
    assert hours.zone == SP


@pytest.mark.parametrize("year,sunday", [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
                                         (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)),
                                         (2038, date(2038, 4, 25))])
def test_easter_is_on_the_right_sunday(year, sunday):
    assert easter(year) == sunday


def test_brazilian_national_holidays_of_2026_with_the_movable_ones():
    days = dict(national_holidays(2026))
    assert days[date(2026, 2, 16)].startswith("Carnaval")
    assert days[date(2026, 2, 17)].startswith("Carnaval")
    assert days[date(2026, 4, 3)] == "Sexta-feira Santa"
    assert days[date(2026, 6, 4)] == "Corpus Christi"
    assert days[date(2026, 11, 20)] == "Dia Nacional de Zumbi e da Consciência Negra"
    assert {date(2026, 1, 1), date(2026, 4, 21), date(2026, 5, 1), date(2026, 9, 7),
            date(2026, 10, 12), date(2026, 11, 2), date(2026, 11, 15),
            date(2026, 12, 25)} <= set(days)
    assert len(days) == 13
    assert date(2023, 11, 20) not in dict(national_holidays(2023))


def test_the_form_keeps_one_or_two_intervals_and_leaves_closed_days_out():
    week = check_hours({0: DayHours(False, [("9:00", "12:00"), ("13:00", "18:00")]),
                        1: DayHours(False, [("08:00", "17:00"), ("", "")]),
                        5: DayHours(True, [("09:00", "13:00")])})
    assert week == {"0": [["09:00", "12:00"], ["13:00", "18:00"]], "1": [["08:00", "17:00"]]}


@pytest.mark.parametrize("intervals,code,words", [
    ([("18:00", "09:00")], "interval_backwards", "precisa terminar depois de começar"),
    ([("09:00", "09:00")], "interval_backwards", "Segunda-feira"),
    ([("09:00", "13:00"), ("12:00", "18:00")], "intervals_overlap", "segundo horário"),
    ([("09:00", "")], "incomplete_interval", "preencha o início e o fim"),
    ([("25:00", "26:00")], "invalid_time", "não é um horário"),
    ([("", "")], "no_interval", "marque o dia como fechado"),
])
def test_the_form_refuses_hours_that_make_no_sense_in_portuguese(intervals, code, words):
    with pytest.raises(DeskSettingsRefused) as refused:
        check_hours({0: DayHours(False, intervals)})
    assert refused.value.code == code
    assert words in refused.value.detail


def test_time_zone_away_text_and_holiday_dates_are_checked():
    assert check_time_zone("America/Manaus") == "America/Manaus"
    with pytest.raises(DeskSettingsRefused, match="Fuso horário desconhecido"):
        check_time_zone("Brasil/Centro")
    with pytest.raises(DeskSettingsRefused, match="Escreva a mensagem de ausência"):
        check_away(True, "   ")
    assert check_away(False, "") == ""
    assert check_holiday("25/12/2026") == check_holiday("2026-12-25") == date(2026, 12, 25)
    with pytest.raises(DeskSettingsRefused, match="não é uma data"):
        check_holiday("31/02/2026")
