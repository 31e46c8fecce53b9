"""Presentation of phones, days and people in the attendant's pages."""

import re
from datetime import date, datetime, timedelta

import phonenumbers
from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ponte.conversations.models import MessageStatus
from ponte.leads.access import may_change as may_change_lead
from ponte.leads.models import score_band
from ponte.leads.queries import trend as lead_trend
from ponte.text import reais

register = template.Library()
# Lower case, as Portuguese writes them in a date (Django's own names are capitalised).
MONTHS = (gettext_lazy("janeiro"), gettext_lazy("fevereiro"), gettext_lazy("março"),
          gettext_lazy("abril"), gettext_lazy("maio"), gettext_lazy("junho"),
          gettext_lazy("julho"), gettext_lazy("agosto"), gettext_lazy("setembro"),
          gettext_lazy("outubro"), gettext_lazy("novembro"), gettext_lazy("dezembro"))
register.filter("band", score_band)

# Embeddings, overrides, isolates and marks that reorder what follows them: with U+202E
# "Fatura \u202egnp.exe" reads "Fatura exe.png" on screen.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@register.filter
def without_bidi(value: object) -> str:
    """Text from customers without bidi controls: for titles and attributes, where no tag goes."""
    return BIDI_CONTROLS.sub("", str(value if value is not None else ""))


@register.filter
def isolated(value: object) -> SafeString:
    """Text from customers (messages, names, file names) shown as written, in its own direction:
    bidi controls dropped, and a <bdi> so it cannot reorder the page around it."""
    return format_html("<bdi>{}</bdi>", without_bidi(value))


@register.filter
def phone(e164: str | None) -> str:
    """+5531987654321 → +55 31 98765-4321, the way people write it."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


@register.filter
def day_label(moment: datetime | None) -> str:
    if moment is None:
        return ""
    day, today = local_day(moment), timezone.localdate()
    if day == today:
        return _("Hoje")
    if day == today - timedelta(days=1):
        return _("Ontem")
    parts = {"day": day.day, "month": MONTHS[day.month - 1], "year": day.year}
    if day.year == today.year:
        return _("%(day)d de %(month)s") % parts
    return _("%(day)d de %(month)s de %(year)d") % parts


@register.filter
def day_key(moment: datetime) -> str:
    return local_day(moment).isoformat()


@register.filter
def when(moment: datetime | None) -> str:
    """Inbox time: the hour today, the day otherwise."""
    if moment is None:
        return ""
    day = local_day(moment)
    if day == timezone.localdate():
        return date_format(timezone.localtime(moment), "H:i")
    return date_format(day, "d/m/y")


@register.filter
def initials(name: str) -> str:
    letters = [part[0] for part in without_bidi(name).split() if part[:1].isalpha()]
    return "".join(letters[:2]).upper() or "#"


@register.inclusion_tag("web/_tick.html")
def tick(status: str, labelled: bool = True) -> dict:
    """A message's status drawn as inline SVG: no emoji font needed, coloured by CSS."""
    return {"status": status, "label": status_label(status) if labelled else ""}


@register.filter
def status_label(status: str) -> str:
    return {MessageStatus.PENDING: _("Enviando"), MessageStatus.SENT: _("Enviada"),
            MessageStatus.DELIVERED: _("Entregue"), MessageStatus.READ: _("Lida"),
            MessageStatus.PLAYED: _("Reproduzida"), MessageStatus.FAILED: _("Falhou")
            }.get(status, "")


@register.filter
def may_change(member, lead) -> bool:
    """Whether this member may set the lead's status and owner from its row."""
    return may_change_lead(member, lead)


@register.inclusion_tag("web/_trend.html")
def trend(lead) -> dict:
    """↑, ↓ or → for how the latest scoring moved the lead; nothing before its second one."""
    delta = lead_trend(lead)
    if delta is None:
        return {"direction": ""}
    if delta > 0:
        return {"direction": "up", "arrow": "↑", "label": ngettext(
            "Subiu %(n)d ponto desde a pontuação anterior",
            "Subiu %(n)d pontos desde a pontuação anterior", delta) % {"n": delta}}
    if delta < 0:
        return {"direction": "down", "arrow": "↓", "label": ngettext(
            "Caiu %(n)d ponto desde a pontuação anterior",
            "Caiu %(n)d pontos desde a pontuação anterior", -delta) % {"n": -delta}}
    return {"direction": "same", "arrow": "→", "label": _("Igual à pontuação anterior")}


@register.filter
def brl(value) -> str:
    """Money the Brazilian way: R$ 1.234,56; nothing for no value."""
    return reais(value) if value not in (None, "") else ""
