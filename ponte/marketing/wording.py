"""The words of a reminder: money and dates the Brazilian way, the shop's templates filled in.

A template is the shop's text with `{name}` placeholders. Filling it is a plain
replacement of known names, never `str.format` (which would let `{nome.__class__}`
reach into objects), and a customer's name goes in as data: a name that itself reads
`{validade}` stays as written.
"""

import re
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ponte.text import reais

PLACEHOLDERS = ("nome", "valor_cashback", "validade", "dias_sem_comprar", "ultima_compra")
_FIELD = re.compile(r"\{([^{}]*)\}")

DEFAULT_TEMPLATES = {
    "cashback": gettext_lazy(
        "Oi, {nome}! Você tem {valor_cashback} de cashback na loja, válido até {validade}. "
        "Que tal usar numa peça nova? 😊"),
    "inactivity": gettext_lazy(
        "Oi, {nome}! Faz tempo que você não passa por aqui: sua última compra foi em "
        "{ultima_compra}. Chegaram novidades que são a sua cara. Quer dar uma olhada? 😊"),
    "birthday": gettext_lazy(
        "Oi, {nome}! Feliz aniversário! 🎉 Passe na loja esta semana: preparamos um mimo "
        "especial para você."),
}


class TemplateRefused(ValueError):
    """A template names a placeholder we cannot fill; the message says which, in pt-BR."""


def format_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def check_template(text: str) -> str:
    """The template as given, or TemplateRefused naming each unknown placeholder."""
    unknown = sorted({name for name in _FIELD.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        raise TemplateRefused(_(
            "Campo desconhecido na mensagem: %(unknown)s. Use só %(known)s.") % {
            "unknown": ", ".join(f"{{{name}}}" for name in unknown),
            "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)})
    return text


def fill(template: str, values: dict[str, str]) -> str:
    """Each known `{name}` replaced by its value in one pass; the values are never re-read."""
    return _FIELD.sub(lambda found: values.get(found[1], found[0]), template)


def first_name(name: str) -> str:
    return (name or "").strip().split(" ")[0] if (name or "").strip() else ""


def cashback_reason(balance: Decimal, days: int) -> str:
    money = reais(balance)
    if days <= 0:
        return _("%(money)s de cashback vencem hoje") % {"money": money}
    if days == 1:
        return _("%(money)s de cashback vencem amanhã") % {"money": money}
    return _("%(money)s de cashback vencem em %(days)d dias") % {"money": money, "days": days}


def inactivity_reason(days: int) -> str:
    return ngettext("sem comprar há %(days)d dia", "sem comprar há %(days)d dias",
                    days) % {"days": days}


def birthday_reason(days_ahead: int, weekday: int) -> str:
    if days_ahead == 0:
        return _("faz aniversário hoje")
    if days_ahead == 1:
        return _("faz aniversário amanhã")
    return [_("faz aniversário na segunda"), _("faz aniversário na terça"),
            _("faz aniversário na quarta"), _("faz aniversário na quinta"),
            _("faz aniversário na sexta"), _("faz aniversário no sábado"),
            _("faz aniversário no domingo")][weekday]
