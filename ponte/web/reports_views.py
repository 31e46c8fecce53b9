"""Relatórios: the desk's figures for a period, drawn as numbers and bar charts, and as CSV.

Owners and admins only: the page compares attendants. The charts are inline SVG drawn here
(`web/charts.py`), so the page needs no chart library and no script.
"""

from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ponte.desk.hours import WEEKDAYS
from ponte.desk.reports import (
    PeriodRefused,
    Summary,
    check_period,
    csv_text,
    duration_text,
    org_zone,
    status_names,
    summary,
)
from ponte.web.charts import bar_chart
from ponte.web.membership import member_required


def _today(org_id) -> date:
    return timezone.now().astimezone(org_zone(org_id)).date()


def _presets(today: date) -> list[dict]:
    return [{"name": _("Últimos 7 dias"), "first": today - timedelta(days=6), "last": today},
            {"name": _("Últimos 30 dias"), "first": today - timedelta(days=29), "last": today},
            {"name": _("Este mês"), "first": today.replace(day=1), "last": today}]


def _messages(n: int) -> str:
    return ngettext("%(n)d mensagem", "%(n)d mensagens", n) % {"n": n}


def _charts(found: Summary) -> dict:
    hours = [f"{hour:02d}h" for hour in range(24)]
    days = [str(name) for name in WEEKDAYS]
    short_days = [name[:3] for name in days]
    names = status_names()
    return {
        "hour_chart": bar_chart(_("Mensagens de clientes por hora do dia"), hours,
                                found.by_hour,
                                [f"{h}: {_messages(n)}" for h, n in zip(hours, found.by_hour,
                                                                        strict=True)]),
        "weekday_chart": bar_chart(_("Mensagens de clientes por dia da semana"), short_days,
                                   found.by_weekday,
                                   [f"{d}: {_messages(n)}" for d, n in zip(days,
                                                                          found.by_weekday,
                                                                          strict=True)]),
        "status_rows": [{"status": status, "name": names[status], "count": n}
                        for status, n in found.by_status.items()],
    }


def _period(request: HttpRequest, today: date) -> tuple[date, date]:
    return check_period(request.GET.get("from"), request.GET.get("to"), today)


@never_cache
@member_required(manage=True)
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    context = {"org": request.member.org, "member": request.member,
               "typed_from": request.GET.get("from", "")[:20],
               "typed_to": request.GET.get("to", "")[:20]}
    today = _today(request.member.org_id)
    context["presets"] = _presets(today)
    try:
        first, last = _period(request, today)
    except PeriodRefused as exc:
        return render(request, "web/reports.html", {**context, "error": exc.detail}, status=400)
    found = summary(request.member.org_id, first, last)
    context.update(found=found, first=first, last=last,
                   first_response=_spread(found.first_response),
                   resolution=_spread(found.resolution), **_charts(found),
                   attendants=[{"name": a.name, "assigned": a.assigned, "sent": a.sent,
                                "median": duration_text(a.first_response.median),
                                "answered": a.first_response.count}
                               for a in found.attendants])
    return render(request, "web/reports.html", context)


def _spread(spread) -> dict:
    return {"count": spread.count, "median": duration_text(spread.median),
            "p90": duration_text(spread.p90)}


@never_cache
@member_required(manage=True)
@require_GET
def reports_csv(request: HttpRequest) -> HttpResponse:
    try:
        first, last = _period(request, _today(request.member.org_id))
    except PeriodRefused as exc:
        return HttpResponse(exc.detail, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(csv_text(summary(request.member.org_id, first, last)),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="relatorio-atendimento-'
                                       f'{first.isoformat()}-a-{last.isoformat()}.csv"')
    return response
