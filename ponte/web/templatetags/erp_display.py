"""ERP data in the chat's panel: money, dates and pictures as a Brazilian shop reads them."""

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ponte.web.templatetags.ponte_web import MONTHS, local_day

register = template.Library()


@register.filter
def web_url(url: str | None) -> str:
    """A picture address from outside (the ERP's) only if it is http(s): no javascript: or data:."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""


@register.filter
def short_date(moment: date | datetime | None) -> str:
    """dd/mm/aaaa, in the shop's time zone for a moment."""
    if moment is None:
        return ""
    day = local_day(moment) if isinstance(moment, datetime) else moment
    return day.strftime("%d/%m/%Y")


@register.filter
def expiry(day: date | None) -> str:
    """When a cashback balance expires, said the way an attendant would tell the customer."""
    if day is None:
        return ""
    days = (day - timezone.localdate()).days
    if days < 0:
        return _("venceu em %(day)s") % {"day": short_date(day)}
    if days == 0:
        return _("vence hoje")
    if days <= 7:
        return ngettext("vence amanhã", "vence em %(n)d dias", days) % {"n": days}
    return _("vence em %(day)s") % {"day": short_date(day)}


@register.filter
def birthday(day: date | None) -> str:
    """"12 de março", and how soon when it is this week."""
    if day is None:
        return ""
    said = _("%(day)d de %(month)s") % {"day": day.day, "month": MONTHS[day.month - 1]}
    today = timezone.localdate()
    next_one = next_birthday(day, today)
    days = (next_one - today).days
    if days == 0:
        return _("%(day)s (hoje!)") % {"day": said}
    if days <= 7:
        return ngettext("%(day)s (amanhã)", "%(day)s (em %(n)d dias)", days) % {
            "day": said, "n": days}
    return said


def next_birthday(day: date, today: date) -> date:
    """The coming birthday (today's included); 29 February falls on 1 March in other years."""
    for year in (today.year, today.year + 1):
        try:
            candidate = day.replace(year=year)
        except ValueError:
            candidate = date(year, 3, 1)
        if candidate >= today:
            return candidate
    raise AssertionError("a birthday comes within a year")
