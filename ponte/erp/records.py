"""Checking one ERP item (customer or sale) into clean values, or into its problems.

PUT semantics: an item is the whole record, so an optional field left out becomes
empty. Every problem names its field and says why in pt-BR, so a shop's developer
(or the CSV importer's report) can fix the source.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from ponte.erp import parsing
from ponte.identity import canonicalize

ID_LENGTH = 100
NAME_LENGTH = 200
EMAIL_LENGTH = 254
PHOTO_URL_LENGTH = 500
PHONE_WRITTEN_LENGTH = 60
MAX_PHONES = 20
TEXT_LENGTH = 10_000
STORE_LENGTH = 100
STATUS_LENGTH = 30

CUSTOMER_FIELDS = ("external_id", "name", "phones", "email", "birthday", "photo_url",
                   "cashback_balance", "cashback_expires_on", "notes", "marketing_opt_out")
SALE_FIELDS = ("external_id", "customer_external_id", "date", "total", "items", "store", "status")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_photo_url = URLValidator(schemes=["http", "https"])
_TRUE = {"true", "1", "sim", "s", "yes", "y", "x"}
_FALSE = {"false", "0", "não", "nao", "n", "no", ""}


@dataclass(frozen=True)
class FieldProblem:
    field: str
    detail: str


@dataclass(frozen=True)
class CleanCustomer:
    external_id: str
    values: dict  # the Customer's fields
    phones: tuple[tuple[str, str], ...]  # (e164, written), first written form of each number


@dataclass(frozen=True)
class CleanSale:
    external_id: str
    values: dict  # the Sale's fields, customer aside


class _Problems(list):
    def add(self, field: str, detail: str) -> None:
        self.append(FieldProblem(field, detail))


def item_external_id(item: object) -> str:
    """The id to report a result under, even for an item too broken to check."""
    value = item.get("external_id") if isinstance(item, dict) else None
    return value[:ID_LENGTH] if isinstance(value, str) else ""


def check_customer(item: object, known_phones: Mapping[str, str] | None = None
                   ) -> CleanCustomer | list[FieldProblem]:
    """`known_phones`: written form -> e164 already stored, so a re-sent customer's
    phones need not be read again (reading one costs more than the rest of the item)."""
    problems = _Problems()
    if not isinstance(item, dict):
        problems.add("", _("cada item deve ser um objeto JSON"))
        return problems
    _unknown_fields(item, CUSTOMER_FIELDS, problems)
    external_id = _identifier(item, "external_id", problems)
    values = {
        "name": _text(item, "name", NAME_LENGTH, problems, required=True),
        "email": _email(item, problems),
        "birthday": _date(item, "birthday", problems),
        "photo_url": _url(item, problems),
        "cashback_balance": _money(item, "cashback_balance", problems) or Decimal("0.00"),
        "cashback_expires_on": _date(item, "cashback_expires_on", problems),
        "notes": _text(item, "notes", TEXT_LENGTH, problems),
        "marketing_opt_out": _flag(item, "marketing_opt_out", problems),
    }
    phones = _phones(item, problems, known_phones or {})
    if problems:
        return problems
    return CleanCustomer(external_id, values, phones)


def check_sale(item: object) -> CleanSale | list[FieldProblem]:
    problems = _Problems()
    if not isinstance(item, dict):
        problems.add("", _("cada item deve ser um objeto JSON"))
        return problems
    _unknown_fields(item, SALE_FIELDS, problems)
    external_id = _identifier(item, "external_id", problems)
    values = {
        "customer_external_id": _identifier(item, "customer_external_id", problems),
        "date": _moment(item, problems),
        "total": _money(item, "total", problems, required=True),
        "items": _text(item, "items", TEXT_LENGTH, problems),
        "store": _text(item, "store", STORE_LENGTH, problems),
        "status": _text(item, "status", STATUS_LENGTH, problems),
    }
    if problems:
        return problems
    return CleanSale(external_id, values)


def _unknown_fields(item: dict, known: tuple[str, ...], problems: _Problems) -> None:
    for name in item:
        if name not in known:
            problems.add(str(name)[:60], _("campo desconhecido; os campos aceitos são: %(fields)s")
                         % {"fields": ", ".join(known)})


def _identifier(item: dict, field: str, problems: _Problems) -> str:
    value = item.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.add(field, _("obrigatório"))
        return ""
    if not isinstance(value, str):
        problems.add(field, _("use texto"))
        return ""
    if len(value) > ID_LENGTH:
        problems.add(field, _("no máximo %(n)d caracteres") % {"n": ID_LENGTH})
    elif _CONTROL.search(value):
        problems.add(field, _("não pode conter caracteres de controle"))
    elif value != value.strip():
        problems.add(field, _("não pode começar nem terminar com espaços"))
    return value


def _text(item: dict, field: str, limit: int, problems: _Problems, *, required=False) -> str:
    value = item.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.add(field, _("use texto"))
        return ""
    value = value.strip()
    if required and not value:
        problems.add(field, _("obrigatório"))
    elif len(value) > limit:
        problems.add(field, _("no máximo %(n)d caracteres") % {"n": limit})
    elif "\x00" in value:
        # PostgreSQL refuses NUL in text; anything else is stored exactly as sent.
        problems.add(field, _("não pode conter o caractere nulo"))
    return value


def _email(item: dict, problems: _Problems) -> str:
    value = _text(item, "email", EMAIL_LENGTH, problems)
    if value and not _EMAIL.fullmatch(value):
        problems.add("email", _("e-mail inválido: %(value)s") % {"value": value[:60]})
    return value


def _url(item: dict, problems: _Problems) -> str:
    value = _text(item, "photo_url", PHOTO_URL_LENGTH, problems)
    if value:
        try:
            _photo_url(value)
        except ValidationError:
            problems.add("photo_url", _("use um endereço http:// ou https://"))
    return value


def _date(item: dict, field: str, problems: _Problems) -> date | None:
    value = item.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return parsing.parse_date(value)
    except ValueError as error:
        problems.add(field, str(error))
        return None


def _moment(item: dict, problems: _Problems) -> datetime | None:
    value = item.get("date")
    if value is None or value == "":
        problems.add("date", _("obrigatório"))
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=parsing.SHOP_ZONE)
    try:
        return parsing.parse_moment(value)
    except ValueError as error:
        problems.add("date", str(error))
        return None


def _money(item: dict, field: str, problems: _Problems, *, required=False) -> Decimal | None:
    value = item.get(field)
    if value is None or value == "":
        if required:
            problems.add(field, _("obrigatório"))
        return None
    if isinstance(value, Decimal):
        value = str(value)
    if isinstance(value, int | float):  # bool is an int too
        # A float has already lost cents (0.1 + 0.2); money travels as text.
        problems.add(field, _('use texto, como "45.90"'))
        return None
    try:
        return parsing.parse_money(value)
    except ValueError as error:
        problems.add(field, str(error))
        return None


def _flag(item: dict, field: str, problems: _Problems) -> bool:
    value = item.get(field)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    problems.add(field, _("use true ou false"))
    return False


def _phones(item: dict, problems: _Problems, known: Mapping[str, str]
            ) -> tuple[tuple[str, str], ...]:
    value = item.get("phones")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        problems.add("phones", _('use uma lista de textos, como ["(31) 98765-4321"]'))
        return ()
    if len(value) > MAX_PHONES:
        problems.add("phones", _("no máximo %(n)d telefones") % {"n": MAX_PHONES})
        return ()
    phones: dict[str, str] = {}
    for written in value:
        written = written.strip()
        if not written:
            continue
        if len(written) > PHONE_WRITTEN_LENGTH:
            problems.add("phones", _("telefone longo demais: %(value)s")
                         % {"value": written[:PHONE_WRITTEN_LENGTH] + "…"})
            continue
        if written in known:  # canonicalize is a pure function of the text
            phones.setdefault(known[written], written)
            continue
        identity = canonicalize(written)
        if identity.kind != "user" or not identity.e164:
            problems.add("phones", _('"%(value)s" não é um número de telefone válido '
                                     '(escreva com DDD, como "(31) 98765-4321")')
                         % {"value": written})
            continue
        phones.setdefault(identity.e164, written)  # the same number twice counts once
    return tuple(phones.items())
