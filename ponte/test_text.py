"""Words and numbers as a Brazilian shop reads them."""

from decimal import Decimal

import pytest

from ponte.text import reais


@pytest.mark.parametrize(("value", "shown"), [
    ("1234.56", "R$ 1.234,56"), ("0", "R$ 0,00"), ("45.9", "R$ 45,90"),
    (Decimal("1000000"), "R$ 1.000.000,00"), ("1234567.891", "R$ 1.234.567,89"),
    ("-10.00", "-R$ 10,00"), (7, "R$ 7,00")])
def test_money_is_written_the_brazilian_way(value, shown):
    assert reais(value) == shown
