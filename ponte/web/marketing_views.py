"""The Marketing page: who to remind today, one click from the chat, and what reminders earned.

Filters are GET parameters anyone can type: an unknown kind or bucket shows everything.
"Abrir no CRM" passes through `open_recall`, which remembers the opening and carries the
reminder's id into the composer, so the send can be counted.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ponte.marketing import opportunities, tracking
from ponte.marketing.models import Kind, RecallSettings
from ponte.marketing.opportunities import template_for
from ponte.marketing.services import (
    DAY_FIELDS,
    TEMPLATE_FIELDS,
    RecallSettingsRefused,
    check_recall_settings,
    do_update_recall_settings,
)
from ponte.web.membership import member_required
from ponte.web.params import query_id

PAGE = 30
KIND_TITLES = {Kind.CASHBACK: gettext_lazy("Cashback a vencer"),
               Kind.INACTIVITY: gettext_lazy("Clientes sem comprar"),
               Kind.BIRTHDAY: gettext_lazy("Aniversariantes da semana")}
KIND_EMPTY = {Kind.CASHBACK: gettext_lazy("Nenhum cliente com cashback vencendo nos próximos "
                                          "dias."),
              Kind.INACTIVITY: gettext_lazy("Nenhum cliente parado há tempo suficiente."),
              Kind.BIRTHDAY: gettext_lazy("Ninguém faz aniversário esta semana.")}


def _sort_key(text: str) -> opportunities.SortKey | None:
    first, _sep, second = text.partition("-")
    a, b = query_id(first), query_id(second)
    return (a, b) if a and b else None


def _sections(request: HttpRequest, settings: RecallSettings, kind: str,
              bucket: int | None) -> list[dict]:
    after = _sort_key(request.GET.get("after", "")) if kind else None
    sections = []
    for each in Kind.values:
        if kind and each != kind:
            continue
        rows = opportunities.opportunities(request.member.org_id, each, bucket=bucket,
                                           after=after, limit=PAGE, settings=settings)
        more = ""
        if len(rows) > PAGE:
            more = urlencode({"kind": each, "bucket": bucket or "",
                              "after": "{}-{}".format(*rows[PAGE - 1].sort)})
        sections.append({"kind": each, "title": KIND_TITLES[each], "empty": KIND_EMPTY[each],
                         "cards": rows[:PAGE], "more": more})
    return sections


def _page(request: HttpRequest, *, status: int = 200, error: RecallSettingsRefused | None = None,
          typed: dict | None = None) -> HttpResponse:
    member = request.member
    settings = RecallSettings.for_org(member.org_id)
    kind = request.GET.get("kind", "") if request.GET.get("kind", "") in Kind.values else ""
    bucket = query_id(request.GET.get("bucket"))
    bucket = bucket if bucket in settings.inactivity_buckets else None
    form = typed or {
        "cashback_minimum": f"{settings.cashback_minimum:.2f}".replace(".", ","),
        **{name: getattr(settings, name) for name in DAY_FIELDS},
        "birthday_enabled": settings.birthday_enabled,
        **{f"template_{k}": template_for(settings, k) for k in Kind.values}}
    return render(request, "web/marketing.html", {
        "org": member.org, "member": member, "settings": settings, "kind": kind,
        "bucket": bucket, "sections": _sections(request, settings, kind, bucket),
        "results": tracking.results(member.org_id), "form": form, "error": error,
        "template_fields": TEMPLATE_FIELDS}, status=status)


@member_required
@require_GET
def marketing_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@member_required(manage=True)
@require_POST
def save_settings(request: HttpRequest) -> HttpResponse:
    raw = {name: request.POST.get(name, "") for name in
           ("cashback_minimum", *DAY_FIELDS, "birthday_enabled", *TEMPLATE_FIELDS)}
    try:
        changes = check_recall_settings(raw)
    except RecallSettingsRefused as exc:
        return _page(request, status=422, error=exc, typed=raw)
    do_update_recall_settings(request.member.org_id, changes)
    messages.success(request, _("Configurações de marketing salvas."))
    return redirect("marketing")


@member_required
@require_GET
def open_recall(request: HttpRequest, kind: str, customer_id: int) -> HttpResponse:
    """Remember the opening, then the chat with the reminder in the composer (unsent)."""
    found = opportunities.opportunities(request.member.org_id, kind, customer_id=customer_id,
                                        limit=1) if kind in Kind.values else []
    if not found:
        messages.info(request, _("Esta oportunidade não está mais na lista."))
        return redirect("marketing")
    recall = tracking.do_open_recall(request.member.org_id, found[0], request.user)
    return redirect(f"{found[0].deep_link}&{urlencode({'recall': recall.pk})}")
