"""Settings › Atendimento: who sees which chats, the round-robin, and the away message with
its hours, holidays and time zone.

Owners and admins only, like the rest of Settings. The week is typed as one or two intervals
a day or a closed day; the form is checked whole, so a refusal changes nothing and the page
comes back with what was typed and why.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ponte.desk.hours import WEEKDAYS, zone_or_default
from ponte.desk.models import DeskSettings
from ponte.desk.preferences import (
    BRAZIL_ZONES,
    DayHours,
    DeskSettingsRefused,
    check_desk_changes,
    check_holiday,
    do_add_national_holidays,
    do_change_holidays,
    do_update_desk_settings,
    holiday_names,
)
from ponte.web.membership import member_required

SLOTS = ("start1", "end1", "start2", "end2")
# What the form suggests until a manager first saves: a shop's usual week.
SUGGESTED_HOURS = {**{str(day): [["09:00", "18:00"]] for day in range(5)},
                   "5": [["09:00", "13:00"]]}


def _stored_days(desk: DeskSettings) -> list[dict]:
    week = desk.business_hours if desk.pk else SUGGESTED_HOURS
    days = []
    for day in range(7):
        intervals = (week or {}).get(str(day)) or []
        flat = [value for pair in intervals[:2] for value in pair] + [""] * 4
        days.append({"index": day, "name": WEEKDAYS[day], "closed": not intervals,
                     **dict(zip(SLOTS, flat[:4], strict=True))})
    return days


def _typed_days(post) -> list[dict]:
    return [{"index": day, "name": WEEKDAYS[day], "closed": post.get(f"closed-{day}") == "1",
             **{slot: post.get(f"{slot}-{day}", "")[:10] for slot in SLOTS}}
            for day in range(7)]


def _page(request: HttpRequest, status: int = 200, **extra) -> HttpResponse:
    desk = DeskSettings.for_org(request.member.org_id)
    year = timezone.now().astimezone(zone_or_default(desk.time_zone)).year
    values = extra.pop("typed", None) or {
        "agents_see_all": desk.agents_see_all, "round_robin": desk.round_robin,
        "away_enabled": desk.away_enabled, "away_text": desk.away_text,
        "time_zone": desk.time_zone, "days": _stored_days(desk)}
    zones = list(BRAZIL_ZONES)
    if values["time_zone"] and values["time_zone"] not in zones:
        zones.append(values["time_zone"])
    context = {"org": request.member.org, "member": request.member, "desk": desk,
               "values": values, "zones": zones, "years": [year, year + 1],
               "holidays": [{"iso": day.isoformat(), "shown": date_format(day, "SHORT_DATE_FORMAT"),
                             "weekday": WEEKDAYS[day.weekday()], "name": name}
                            for day, name in holiday_names(desk.holidays or [])], **extra}
    return render(request, "web/settings_desk.html", context, status=status)


@never_cache
@member_required(manage=True)
@require_GET
def desk_settings(request: HttpRequest) -> HttpResponse:
    return _page(request)


@member_required(manage=True)
@require_POST
def save(request: HttpRequest) -> HttpResponse:
    post = request.POST
    typed_days = _typed_days(post)
    typed = {"agents_see_all": post.get("agents_see_all") == "1",
             "round_robin": post.get("round_robin") == "1",
             "away_enabled": post.get("away_enabled") == "1",
             "away_text": post.get("away_text", ""), "time_zone": post.get("time_zone", "")}
    days = {d["index"]: DayHours(d["closed"], [(d["start1"], d["end1"]), (d["start2"], d["end2"])])
            for d in typed_days}
    try:
        changes = check_desk_changes(days=days, **typed)
    except DeskSettingsRefused as exc:
        return _page(request, status=422, error=exc.detail, error_code=exc.code,
                     typed={**typed, "days": typed_days})
    do_update_desk_settings(request.member.org_id, changes)
    messages.success(request, _("Configurações de atendimento salvas."))
    return redirect("settings_desk")


@member_required(manage=True)
@require_POST
def holidays(request: HttpRequest) -> HttpResponse:
    """Add a date, remove one, or add a year's national holidays."""
    action = request.POST.get("action")
    try:
        if action == "national":
            year = _year(request.POST.get("year", ""))
            do_add_national_holidays(request.member.org_id, year)
            messages.success(request, _("Feriados nacionais de %(year)d adicionados.")
                             % {"year": year})
        elif action in ("add", "remove"):
            day = check_holiday(request.POST.get("date", ""))
            do_change_holidays(request.member.org_id, **{action: [day]})
            messages.success(request, _("Feriado adicionado.") if action == "add"
                             else _("Feriado removido."))
        else:
            raise DeskSettingsRefused("invalid_action", _("Ação desconhecida. Recarregue a "
                                                          "página e tente de novo."))
    except DeskSettingsRefused as exc:
        return _page(request, status=422, holiday_error=exc.detail)
    return redirect(reverse("settings_desk") + "#holidays")


def _year(raw: str) -> int:
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    raise DeskSettingsRefused("invalid_year", _("Escolha um ano entre 2000 e 2100."))
