"""Reading the ERP's values: strictly for the API, leniently (Brazilian forms) for CSV files.

Each parser raises `ValueError` with a pt-BR message the caller shows as the field's problem.
"""

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

# The shop's ERP writes its local time; a date alone is that day's midnight there.
SHOP_ZONE = ZoneInfo("America/Sao_Paulo")
# DecimalField(12, 2): ten digits before the point.
MAX_MONEY = Decimal("9999999999.99")
PHONE_SEPARATOR = "|"

_STRICT_MONEY = re.compile(r"\d+(\.\d{1,2})?")
# 1.234,56  1234,56  45,9  1.234  45  (thousands by dots only in groups of three)
_BRAZILIAN_MONEY = re.compile(r"(?P<int>\d{1,3}(\.\d{3})+|\d+)(,(?P<frac>\d{1,2}))?")
_BRAZILIAN_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_BRAZILIAN_DATETIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_money(text: str, *, brazilian: bool = False) -> Decimal:
    """"45.90" -> Decimal("45.90"); brazilian also reads "1.234,56" and "R$ 45,90"."""
    if not isinstance(text, str):
        raise ValueError(_('use texto, como "45.90"'))
    value = text.strip()
    if brazilian:
        value = re.sub(r"^R\$\s*", "", value, flags=re.IGNORECASE).strip()
    if value.startswith("-"):
        raise ValueError(_("o valor não pode ser negativo"))
    amount = _strict_money(value) if not brazilian else (_strict_money(value, quiet=True)
                                                         or _brazilian_money(value))
    if amount is None:
        example = '"1.234,56"' if brazilian else '"45.90"'
        raise ValueError(_("valor inválido: %(value)s; escreva como %(example)s")
                         % {"value": _quoted(text), "example": example})
    if amount > MAX_MONEY:
        raise ValueError(_("valor grande demais (máximo 9.999.999.999,99)"))
    return amount.quantize(Decimal("0.01"))


def money_text(value: Decimal) -> str:
    """Money as the API writes it, the inverse of `parse_money`: Decimal("1234.5") -> "1234.50"."""
    return f"{value:.2f}"


def _strict_money(value: str, *, quiet: bool = False) -> Decimal | None:
    if not _STRICT_MONEY.fullmatch(value):
        return None
    # "1.234" in a Brazilian file is a thousand, not one real and 234 thousandths.
    if quiet and re.fullmatch(r"\d{1,3}\.\d{3}", value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _brazilian_money(value: str) -> Decimal | None:
    match = _BRAZILIAN_MONEY.fullmatch(value)
    if not match:
        return None
    return Decimal(f"{match['int'].replace('.', '')}.{match['frac'] or '0'}")


def parse_date(text: str, *, brazilian: bool = False) -> date:
    """"2026-12-10" -> date; brazilian also reads "10/12/2026" (day first)."""
    if not isinstance(text, str):
        raise ValueError(_('use texto, como "2026-12-10"'))
    value = text.strip()
    try:
        if brazilian and (match := _BRAZILIAN_DATE.fullmatch(value)):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    example = '"10/12/2026" / "2026-12-10"' if brazilian else '"2026-12-10"'
    raise ValueError(_("data inválida: %(value)s; escreva como %(example)s")
                     % {"value": _quoted(text), "example": example})


def parse_moment(text: str, *, brazilian: bool = False) -> datetime:
    """A sale's moment: a date (midnight in São Paulo) or ISO datetime (São Paulo if no offset)."""
    if not isinstance(text, str):
        raise ValueError(_('use texto, como "2026-12-10" ou "2026-12-10T15:30:00-03:00"'))
    value = text.strip()
    a_day = re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
    if a_day or (brazilian and _BRAZILIAN_DATE.fullmatch(value)):
        return datetime.combine(parse_date(value, brazilian=brazilian), time(), tzinfo=SHOP_ZONE)
    moment = None
    if brazilian and (match := _BRAZILIAN_DATETIME.fullmatch(value)):
        try:
            moment = datetime(int(match[3]), int(match[2]), int(match[1]), int(match[4]),
                              int(match[5]), int(match[6] or 0))
        except ValueError:
            moment = None
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None:
        raise ValueError(_("data inválida: %(value)s; escreva como %(example)s")
                         % {"value": _quoted(text),
                            "example": '"2026-12-10" / "2026-12-10T15:30:00-03:00"'})
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHOP_ZONE)
    return moment


def split_phones(cell: str) -> list[str]:
    """A CSV cell's phones: "(31) 98765-4321 | 31 3222-1100" -> two written forms."""
    return [part.strip() for part in (cell or "").split(PHONE_SEPARATOR) if part.strip()]


def _quoted(text: object) -> str:
    shown = str(text)
    return f'"{shown[:40]}…"' if len(shown) > 40 else f'"{shown}"'
