"""Settings › IA: who reads the shop's chats (offline or a remote model), its key, its tone,
its daily budget, and the log of its calls.

Owners and admins, like the rest of Settings. The key is write-only: once saved, the page
shows only that there is one (and the last four characters of a long one). "Testar
conexão" only queues the test: the lead worker runs it (a call from inside the request
would hold a web worker on someone else's server), and the page shows the result on reload.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ponte.ai.choice import ai_call_log, default_models
from ponte.ai.models import CALL_OUTCOMES, STYLE_NOTE_LENGTH, AISettings
from ponte.ai.services import (
    AISettingsRefused,
    ai_settings_for,
    calls_today,
    check_ai_changes,
    do_ask_for_test,
    do_update_ai_settings,
    key_needed,
)
from ponte.web.membership import member_required

FIELDS = ("provider", "model", "base_url", "style_note", "daily_budget", "api_key")


def _page(request: HttpRequest, status: int = 200, **extra) -> HttpResponse:
    ai = ai_settings_for(request.member.org_id)
    entries = ai_call_log(request.member.org_id)
    for entry in entries:
        entry.explained = CALL_OUTCOMES.get(entry.outcome, "")
    test_explained = CALL_OUTCOMES.get(ai.test_outcome, "") if ai.test_outcome != "ok" else ""
    context = {"org": request.member.org, "member": request.member, "ai": ai,
               "providers": AISettings.Provider.choices, "default_models": default_models(),
               "used_today": calls_today(ai), "style_note_length": STYLE_NOTE_LENGTH,
               "missing_key": ai.remote and key_needed(ai) and not ai.api_key,
               "entries": entries, "time_zone": settings.TIME_ZONE,
               "test_explained": test_explained,
               "values": {"provider": ai.provider, "model": ai.model, "base_url": ai.base_url,
                          "style_note": ai.style_note, "daily_budget": ai.daily_budget,
                          **extra.pop("typed", {})},
               **extra}
    return render(request, "web/settings_ai.html", context, status=status)


@never_cache
@member_required(manage=True)
@require_GET
def ai_settings(request: HttpRequest) -> HttpResponse:
    return _page(request)


@member_required(manage=True)
@require_POST
def save(request: HttpRequest) -> HttpResponse:
    raw = {name: request.POST.get(name, "") for name in FIELDS if name in request.POST}
    raw["remove_key"] = request.POST.get("remove_key") == "1"
    try:
        changes = check_ai_changes(raw)
    except AISettingsRefused as exc:
        typed = {name: value for name, value in raw.items() if name != "api_key"}
        return _page(request, status=422, error=exc.detail, error_code=exc.code, typed=typed)
    do_update_ai_settings(request.member.org_id, changes)
    messages.success(request, _("Chave removida. Configurações da IA salvas.")
                     if raw["remove_key"] else _("Configurações da IA salvas."))
    return redirect("settings_ai")


@member_required(manage=True)
@require_POST
def test(request: HttpRequest) -> HttpResponse:
    """Queue a test call; the lead worker makes it within seconds."""
    if do_ask_for_test(request.member.org_id):
        messages.info(request, _("Teste pedido: o resultado aparece aqui em alguns segundos. "
                                 "Recarregue a página."))
    else:
        messages.info(request, _("O modelo offline roda no próprio Ponte: não há conexão "
                                 "para testar."))
    return redirect("settings_ai")
