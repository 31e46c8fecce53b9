"""Settings › Privacidade: hidden numbers, LGPD requests and their audit trail.

Owners and admins hide and show numbers and read the trail; only the owner exports
or erases a person (Lei 13.709, art. 18), since that reaches every conversation.
"""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ponte.accounts.models import Role
from ponte.privacy.models import DroppedCount, HiddenNumber, PrivacyRecord
from ponte.privacy.people import held_counts, person_for
from ponte.privacy.services import (
    Actor,
    PrivacyRefused,
    check_phone,
    do_erase_person,
    do_export_person,
    do_hide_number,
    do_unhide_number,
)
from ponte.privacy.wording import counts_in_words
from ponte.web.membership import member_required
from ponte.web.params import query_id
from ponte.web.templatetags.ponte_web import phone

PAGE_ROWS = 50


def _actor(request: HttpRequest) -> Actor:
    return Actor.member(request.user)


def _owner_only(request: HttpRequest) -> None:
    if request.member.role != Role.OWNER:
        raise PermissionDenied("Only the owner answers LGPD requests.")


def _older_than(rows, before: int | None, limit: int = PAGE_ROWS) -> tuple[list, int | None]:
    """A page of rows newest first, and the id to ask the next page "before", if any."""
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(rows.order_by("-pk")[:limit + 1])
    return page[:limit], page[limit - 1].pk if len(page) > limit else None


def _page_context(request: HttpRequest, **extra) -> dict:
    member = request.member
    hidden, hidden_next = _older_than(HiddenNumber.objects.for_org(member.org),
                                      query_id(request.GET.get("hidden_before")))
    records, records_next = _older_than(PrivacyRecord.objects.for_org(member.org),
                                        query_id(request.GET.get("audit_before")))
    for record in records:
        record.counts_words = counts_in_words(record.counts)
    dropped = DroppedCount.objects.filter(org=member.org, reason="hidden").first()
    return {"org": member.org, "member": member, "is_owner": member.role == Role.OWNER,
            "hidden_dropped": dropped.count if dropped else 0,
            "hidden_numbers": hidden, "hidden_next": hidden_next,
            "records": records, "records_next": records_next, **extra}


def _page(request: HttpRequest, status: int = 200, **extra) -> HttpResponse:
    return render(request, "web/settings_privacy.html", _page_context(request, **extra),
                  status=status)


@never_cache
@member_required(manage=True)
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return _page(request)


@member_required(manage=True)
@require_POST
def hide(request: HttpRequest) -> HttpResponse:
    """Hide a number typed in any form; the notice says what the purge took."""
    raw, note = request.POST.get("phone", ""), request.POST.get("note", "").strip()
    try:
        e164 = check_phone(raw)
    except PrivacyRefused as exc:
        return _page(request, status=422, hide_error=exc.detail, hide_phone=raw, hide_note=note)
    purged, created = _hide_and_count(request, e164, note)
    said = {"phone": phone(e164), "purged": purged}
    if created and purged:
        messages.success(request, _("%(phone)s ocultado. Apagados: %(purged)s.") % said)
    elif created:
        messages.success(request, _("%(phone)s ocultado. Nada estava guardado sobre ele.") % said)
    elif purged:
        messages.info(request, _("%(phone)s já estava oculto. Apagados agora: %(purged)s.") % said)
    else:
        messages.info(request, _("%(phone)s já estava oculto.") % said)
    return redirect("settings_privacy")


def _hide_and_count(request: HttpRequest, e164: str, note: str) -> tuple[str, bool]:
    """Hide the number; what its purge took, in words (from the record it wrote)."""
    org_id = request.member.org_id
    last = PrivacyRecord.objects.filter(org_id=org_id).order_by("-pk").values_list(
        "pk", flat=True).first() or 0
    created = do_hide_number(org_id, e164, _actor(request), note)[1]
    record = PrivacyRecord.objects.filter(org_id=org_id, pk__gt=last, e164=e164,
                                          action=PrivacyRecord.Action.HIDE).first()
    return (counts_in_words(record.counts) if record else ""), created


@never_cache
@member_required(manage=True)
@require_http_methods(["GET", "POST"])
def unhide(request: HttpRequest, hidden_id: int) -> HttpResponse:
    """GET says, before anything happens, that purged data does not come back; POST unhides."""
    hidden = get_object_or_404(HiddenNumber.objects.for_org(request.member.org), pk=hidden_id)
    if request.method == "GET":
        if request.htmx:
            return render(request, "web/settings/_unhide_confirm.html", {"hidden": hidden})
        return _page(request, confirm_unhide=hidden)
    do_unhide_number(hidden, _actor(request))
    messages.success(request, _("%(phone)s voltou a aparecer. Só as mensagens novas serão "
                                "guardadas.") % {"phone": phone(hidden.e164)})
    return redirect("settings_privacy")


def _lgpd_phone(request: HttpRequest) -> tuple[str, HttpResponse | None]:
    """The phone an LGPD request names (owners only), or the page saying it cannot be read."""
    _owner_only(request)
    raw = request.POST.get("phone", "")
    try:
        return check_phone(raw), None
    except PrivacyRefused as exc:
        return "", _page(request, status=422, lgpd_error=exc.detail, lgpd_phone=raw)


@member_required(manage=True)
@require_POST
def export(request: HttpRequest) -> HttpResponse:
    """One JSON document with everything Ponte holds about the person (LGPD art. 18, II)."""
    e164, refused = _lgpd_phone(request)
    if refused:
        return refused
    document = do_export_person(request.member.org_id, e164, _actor(request))
    response = HttpResponse(json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False,
                                       indent=2),
                            content_type="application/json; charset=utf-8")
    digits = e164.lstrip("+")
    response["Content-Disposition"] = f'attachment; filename="ponte-dados-{digits}.json"'
    return response


@never_cache
@member_required(manage=True)
@require_POST
def erase(request: HttpRequest) -> HttpResponse:
    """Erase a person without hiding the number (LGPD art. 18, VI), after saying what goes."""
    e164, refused = _lgpd_phone(request)
    if refused:
        return refused
    org_id = request.member.org_id
    if request.POST.get("confirmed") != "1":
        held = counts_in_words(held_counts(person_for(org_id, e164)))
        return _page(request, confirm_erase={"e164": e164, "phone": phone(e164), "held": held})
    counts = do_erase_person(org_id, e164, _actor(request))
    said = {"phone": phone(e164), "erased": counts_in_words(counts)}
    messages.success(request, _("Dados de %(phone)s apagados: %(erased)s.") % said
                     if counts else _("Nada estava guardado sobre %(phone)s.") % said)
    return redirect("settings_privacy")
