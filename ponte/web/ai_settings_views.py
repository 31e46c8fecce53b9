"""Settings › IA: who reads the shop's chats (offline or a remote model), its key, its tone,
its daily budget, and the log of its calls.

Owners and admins, like the rest of Settings. The key is write-only: once saved, the page
shows only that there is one (and the last four characters of a long one). "Testar
conexão" only queues the test: the lead worker runs it (a call from inside the request
would hold a web worker on someone else's server), and the page shows the result on reload.
"Transcrição de áudio" chooses who turns voice notes into text (nobody by default).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ponte.ai import whisper_local
from ponte.ai.choice import ai_call_log, default_models, default_transcription_models
from ponte.ai.models import (
    CALL_OUTCOMES,
    STYLE_NOTE_LENGTH,
    TRANSCRIPTION_LOG_NAMES,
    TRANSCRIPTION_OUTCOMES,
    AISettings,
    Transcription,
    TranscriptionJob,
)
from ponte.ai.services import (
    AISettingsRefused,
    ai_settings_for,
    calls_today,
    check_ai_changes,
    do_ask_for_test,
    do_update_ai_settings,
    key_needed,
)
from ponte.ai.transcripts import shares_scoring_key, transcription_ready
from ponte.web.membership import member_required

FIELDS = ("provider", "model", "base_url", "style_note", "daily_budget", "api_key",
          "transcription_provider", "transcription_model", "transcription_base_url",
          "transcription_api_key", "transcription_language")
TRANSCRIPTION_SOURCES = frozenset(TRANSCRIPTION_LOG_NAMES.values())


def _page(request: HttpRequest, status: int = 200, **extra) -> HttpResponse:
    ai = ai_settings_for(request.member.org_id)
    entries = ai_call_log(request.member.org_id)
    for entry in entries:
        outcomes = (TRANSCRIPTION_OUTCOMES if entry.path.split(" ")[0] in TRANSCRIPTION_SOURCES
                    else CALL_OUTCOMES)
        entry.explained = outcomes.get(entry.outcome, "")
    test_explained = CALL_OUTCOMES.get(ai.test_outcome, "") if ai.test_outcome != "ok" else ""
    context = {"org": request.member.org, "member": request.member, "ai": ai,
               "providers": AISettings.Provider.choices, "default_models": default_models(),
               "used_today": calls_today(ai), "style_note_length": STYLE_NOTE_LENGTH,
               "missing_key": ai.remote and key_needed(ai) and not ai.api_key,
               "entries": entries, "time_zone": settings.TIME_ZONE,
               "test_explained": test_explained,
               "transcribers": Transcription.choices,
               "transcription_defaults": default_transcription_models(),
               "transcription_missing_key": not transcription_ready(ai),
               "transcription_shares_key": shares_scoring_key(ai),
               "local_problem": (whisper_local.problem(settings.PONTE_WHISPER_MODEL_DIR)
                                 if ai.transcription_provider == Transcription.LOCAL else ""),
               "transcribed": _recent_transcriptions(request.member.org_id),
               "values": {"provider": ai.provider, "model": ai.model, "base_url": ai.base_url,
                          "style_note": ai.style_note, "daily_budget": ai.daily_budget,
                          "transcription_provider": ai.transcription_provider,
                          "transcription_model": ai.transcription_model,
                          "transcription_base_url": ai.transcription_base_url,
                          "transcription_language": ai.transcription_language,
                          **extra.pop("typed", {})},
               **extra}
    return render(request, "web/settings_ai.html", context, status=status)


def _recent_transcriptions(org_id) -> dict[str, int]:
    """How the voice notes of the last 24 hours went: done, pending, failed (skipped apart)."""
    since = timezone.now() - timedelta(hours=24)
    counts = dict(TranscriptionJob.objects.filter(org_id=org_id, created_at__gte=since)
                  .values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {state: counts.get(state, 0) for state in TranscriptionJob.State.values}


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
    raw["remove_transcription_key"] = request.POST.get("remove_transcription_key") == "1"
    try:
        changes = check_ai_changes(raw)
    except AISettingsRefused as exc:
        typed = {name: value for name, value in raw.items()
                 if name not in ("api_key", "transcription_api_key")}
        where = "transcription" if exc.code.startswith("invalid_transcription") else "provider"
        return _page(request, status=422, error=exc.detail, error_code=exc.code, typed=typed,
                     error_in=where)
    do_update_ai_settings(request.member.org_id, changes)
    removed = raw["remove_key"] or raw["remove_transcription_key"]
    messages.success(request, _("Chave removida. Configurações da IA salvas.")
                     if removed else _("Configurações da IA salvas."))
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
