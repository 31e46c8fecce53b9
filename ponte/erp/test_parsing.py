"""Reading the ERP's values: strict for the API, Brazilian forms for CSV files."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ponte.erp.parsing import parse_date, parse_moment, parse_money, split_phones


@pytest.mark.parametrize(("text", "brazilian", "amount"), [
    ("45.90", False, "45.90"), ("45", False, "45.00"), ("0.1", False, "0.10"),
    ("1.234,56", True, "1234.56"), ("R$ 45,90", True, "45.90"), ("45,9", True, "45.90"),
    ("1.234", True, "1234.00"), ("45.90", True, "45.90"), ("1.234.567,89", True, "1234567.89"),
])
def test_money_is_read_exactly(text, brazilian, amount):
    assert parse_money(text, brazilian=brazilian) == Decimal(amount)


@pytest.mark.parametrize(("text", "brazilian"), [
    ("45.901", False), ("45,90", False), ("-1.00", False), ("1e3", False), ("", False),
    ("abc", True), ("-R$ 3,00", True), ("99999999999.00", False),
])
def test_money_that_is_not_money_says_why(text, brazilian):
    with pytest.raises(ValueError, match=r"\w"):
        parse_money(text, brazilian=brazilian)


def test_dates_iso_and_brazilian_day_first():
    assert parse_date("2026-12-10") == date(2026, 12, 10)
    assert parse_date("10/12/2026", brazilian=True) == date(2026, 12, 10)
    for text in ("10/12/2026", "2026-02-30", "ontem"):
        with pytest.raises(ValueError):
            parse_date(text)


def test_a_sale_day_is_midnight_in_sao_paulo_and_an_offset_is_kept():
    zone = ZoneInfo("America/Sao_Paulo")
    assert parse_moment("2026-03-10") == datetime(2026, 3, 10, tzinfo=zone)
    assert parse_moment("2026-03-10T15:30:00Z") == datetime(2026, 3, 10, 12, 30, tzinfo=zone)
    assert parse_moment("10/03/2026 15:30", brazilian=True) == datetime(2026, 3, 10, 15, 30,
                                                                        tzinfo=zone)


def test_phones_in_one_cell_are_split_on_the_bar():
    assert split_phones(" (31) 98765-4321 | 31 3222-1100 ||") == ["(31) 98765-4321",
                                                                  "31 3222-1100"]
