"""Settings › WhatsApp: the number's session, its recovery actions and its diagnostic log.

Owners and admins only: the page shows the webhook URL, whose token is the webhook's secret.
"""

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ponte.accounts.models import Instance, SessionState
from ponte.accounts.services import do_rotate_webhook_token
from ponte.diagnostics.models import DiagnosticEntry
from ponte.engines.base import EngineError
from ponte.engines.calls import engine_label, is_configured
from ponte.engines.explain import explain_call, explain_engine_error, explain_error_kind
from ponte.engines.reading import qr_image
from ponte.sessions.resets import ResetRunning, do_start_reset, latest_reset
from ponte.sessions.services import (
    START_DEADLINE_CAUSE,
    do_reset_reconnect_attempts,
    last_cause,
    webhook_url,
)
from ponte.sessions.supervisor import run_once
from ponte.web.instances import back_to_settings, member_instance
from ponte.web.membership import member_required
from ponte.web.signing_views import webhook_signing

# States in which the engine waits for (or is about to need) a scan: the QR refreshes fast.
WAITING = {SessionState.QRCODE, SessionState.STARTING, SessionState.NEEDS_RESET,
           SessionState.NOTLOGGED}
LOG_ROWS = 100


def _status_context(instance: Instance) -> dict:
    reset = latest_reset(instance)
    waiting = instance.state in WAITING or bool(reset and reset.running)
    # Adapters store QR codes as data URLs; rows from older versions may hold bare base64.
    return {"instance": instance, "waiting": waiting, "qr_src": qr_image(instance.qr),
            "poll": "2s" if waiting else "15s", "reset": reset,
            "cannot_open_whatsapp": _stuck_starting(instance),
            "start_deadline_minutes": round(settings.PONTE_SESSION_START_DEADLINE_SECONDS / 60),
            "max_attempts": settings.PONTE_RECONNECT_ATTEMPTS,
            "last_error_explained": explain_error_kind(instance.last_error_kind)
            if instance.last_error else ""}


def _log_entries(entries) -> list[DiagnosticEntry]:
    """The newest entries, each engine call's failure said for a person."""
    shown = list(entries.order_by("-id")[:LOG_ROWS])
    for entry in shown:
        entry.explained = (explain_call(entry.outcome, entry.status_code)
                           if entry.direction == DiagnosticEntry.Direction.OUTBOUND else None)
    return shown


def _stuck_starting(instance: Instance) -> bool:
    """The supervisor gave up on a start that never got anywhere, and nothing better since."""
    if instance.state in (SessionState.CONNECTED, SessionState.QRCODE):
        return False
    return last_cause(instance).startswith(START_DEADLINE_CAUSE)


def _page_context(request: HttpRequest, instance: Instance | None, confirm: str = "") -> dict:
    member = request.member
    context = {"org": member.org, "member": member, "instance": instance, "confirm": confirm,
               "errors_only": request.GET.get("errors") == "1"}
    if instance is None:
        return context
    entries = DiagnosticEntry.objects.for_org(member.org).filter(instance=instance)
    if context["errors_only"]:
        entries = entries.exclude(outcome__in=DiagnosticEntry.FINE_OUTCOMES)
    context.update(_status_context(instance), entries=_log_entries(entries),
                   webhook_url=webhook_url(instance), log_rows=LOG_ROWS,
                   engine_label=engine_label(instance), signing=webhook_signing(instance),
                   others=Instance.objects.for_org(member.org).exclude(pk=instance.pk)
                   .order_by("created_at"))
    return context


@never_cache
@member_required(manage=True)
@require_GET
def whatsapp(request: HttpRequest) -> HttpResponse:
    try:
        wanted = UUID(request.GET["instance"]) if request.GET.get("instance") else None
    except ValueError:
        raise Http404("Not an instance id.") from None
    return render(request, "web/settings_whatsapp.html",
                  _page_context(request, member_instance(request, wanted)))


@never_cache
@member_required(manage=True)
@require_GET
def status(request: HttpRequest, instance_id: UUID) -> HttpResponse:
    """The state badge and QR code, polled by the page while the engine waits for a scan."""
    return render(request, "web/settings/_status.html",
                  _status_context(member_instance(request, instance_id)))


def _confirmation(request: HttpRequest, instance: Instance, action: str) -> HttpResponse:
    """A second, explicit step before a destructive action: inline with htmx, else the page."""
    if request.htmx:
        return render(request, "web/settings/_confirm.html",
                      {"instance": instance, "confirm": action})
    return render(request, "web/settings_whatsapp.html",
                  _page_context(request, instance, confirm=action))


def _start_reset(request: HttpRequest, instance: Instance) -> None:
    """Start a reset in the background; the session card follows its steps."""
    if not is_configured(instance):
        messages.error(request, _("O motor desta instância não está configurado."))
        return
    try:
        do_start_reset(instance)
    except ResetRunning:
        messages.info(request, _("Um reset total desta instância já está em andamento."))


def _supervise(request: HttpRequest, instance: Instance) -> None:
    """Run a reconnect now, as the API does, and tell the person how it went."""
    if not is_configured(instance):
        messages.error(request, _("O motor desta instância não está configurado."))
        return
    reset = latest_reset(instance)
    if reset is not None and reset.running:
        messages.info(request, _("Um reset total desta instância já está em andamento."))
        return
    do_reset_reconnect_attempts(instance)
    try:
        if run_once(instance, "reconnect", "reconnect requested from settings"):
            messages.success(request, _("Sessão reiniciada no motor."))
        else:
            messages.error(request, _("O motor não aceitou nenhuma das chaves. "
                                      "Faça o reset total da instância."))
    except EngineError as exc:
        messages.error(request, explain_engine_error(exc))


@member_required(manage=True)
@require_POST
def reconnect(request: HttpRequest, instance_id: UUID) -> HttpResponse:
    instance = member_instance(request, instance_id)
    _supervise(request, instance)
    return back_to_settings(instance)


@never_cache
@member_required(manage=True)
@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest, instance_id: UUID) -> HttpResponse:
    """Reset total da instância: GET asks for confirmation, saying what it undoes; POST does it."""
    return _confirmed(request, instance_id, "reset",
                      lambda instance: _start_reset(request, instance))


@never_cache
@member_required(manage=True)
@require_http_methods(["GET", "POST"])
def rotate_webhook_token(request: HttpRequest, instance_id: UUID) -> HttpResponse:
    """A leaked webhook URL stops working; GET asks for confirmation, POST rotates."""

    def rotate(instance: Instance) -> None:
        do_rotate_webhook_token(instance)
        messages.success(request, _("Novo token gerado. Cole a nova URL do webhook no motor."))

    return _confirmed(request, instance_id, "rotate", rotate)


def _confirmed(request: HttpRequest, instance_id: UUID, action: str, do) -> HttpResponse:
    """GET shows the confirmation step; POST (the confirmation) does the action."""
    instance = member_instance(request, instance_id)
    if request.method == "GET":
        return _confirmation(request, instance, action)
    do(instance)
    return back_to_settings(instance)
