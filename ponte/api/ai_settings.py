"""The organization's AI settings and the log of its AI calls, for integrators.

The same checks as Settings › IA (`ponte.ai.services`); the key is write-only.
"""

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError

from ponte.ai.choice import default_models, default_transcription_models
from ponte.ai.models import AISettings
from ponte.ai.services import (
    ai_settings_for,
    calls_today,
    check_ai_changes,
    do_ask_for_test,
    do_update_ai_settings,
)
from ponte.ai.transcripts import shares_scoring_key
from ponte.api import cursors, schemas
from ponte.api.call_log import diagnostic_item
from ponte.api.openapi import answers
from ponte.api.paging import BEFORE, page
from ponte.diagnostics.models import DiagnosticEntry

router = Router(tags=["ai"])


def _settings_out(ai: AISettings) -> dict:
    return {"provider": ai.provider, "model": ai.model,
            "default_model": default_models().get(ai.provider), "base_url": ai.base_url,
            "api_key_set": bool(ai.api_key), "api_key_hint": ai.api_key_hint,
            "style_note": ai.style_note, "daily_budget": ai.daily_budget,
            "calls_today": calls_today(ai),
            "last_test": {"queued": ai.test_asked_at is not None, "tested_at": ai.tested_at,
                          "outcome": ai.test_outcome, "detail": ai.test_detail,
                          "latency_ms": ai.test_latency_ms},
            "transcription_provider": ai.transcription_provider,
            "transcription_model": ai.transcription_model,
            "transcription_default_model": default_transcription_models().get(
                ai.transcription_provider),
            "transcription_base_url": ai.transcription_base_url,
            "transcription_api_key_set": bool(ai.transcription_api_key),
            "transcription_api_key_hint": ai.transcription_api_key_hint,
            "transcription_uses_scoring_key": ai.transcribes and shares_scoring_key(ai),
            "transcription_language": ai.transcription_language}


@router.get("/settings/ai", response=answers({200: schemas.AISettingsOut}))
def get_ai_settings(request: HttpRequest):
    """Who reads your chats (the offline model unless you chose another), the tone of reply
    suggestions, the daily budget of remote calls with today's count, and who transcribes
    voice notes (nobody unless you chose)."""
    return _settings_out(ai_settings_for(request.auth.pk))


@router.patch("/settings/ai", response={**answers({200: schemas.AISettingsOut}),
                                        422: schemas.InvalidAISettingOrFieldsOut})
def update_ai_settings(request: HttpRequest, payload: schemas.AISettingsIn):
    """Change any of the settings; fields left out stay as they are. When the remote
    provider fails, is slow or the budget runs out, the offline model answers. Changing
    the transcription settings gives the voice notes of the last day that failed another go.
    """
    raw = {name: getattr(payload, name) for name in payload.model_fields_set}
    for name in ("provider", "transcription_provider", "transcription_language"):
        if raw.get(name) is None:
            raw.pop(name, None)
    if raw.get("daily_budget") is None:
        raw.pop("daily_budget", None)
    return _settings_out(do_update_ai_settings(request.auth.pk, check_ai_changes(raw)))


@router.post("/settings/ai/test", response=answers({202: schemas.AISettingsOut}, 409))
def test_ai_connection(request: HttpRequest):
    """Queue one test call to the remote provider with the saved settings; the worker makes
    it within seconds (a sample message, no retries, counted in the budget) and
    `last_test` says how it went. 409 when the provider is `offline`."""
    if not do_ask_for_test(request.auth.pk):
        raise HttpError(409, "The offline provider runs inside Ponte: nothing to test.")
    return Status(202, _settings_out(ai_settings_for(request.auth.pk)))


@router.get("/settings/ai/calls", response=answers({200: schemas.DiagnosticPage}, 400))
def list_ai_calls(request: HttpRequest, before: str | None = BEFORE,
                  limit: int = Query(50, ge=1, le=500, description="Items per page.")):
    """Each call to the remote provider, newest first (`path` starts with the provider's
    name; `budget_exhausted`: the day's budget ran out, once a day), and why it fell back."""
    entries = DiagnosticEntry.objects.for_org(request.auth).filter(
        instance=None, direction=DiagnosticEntry.Direction.OUTBOUND)
    if before:
        entries = entries.filter(id__lt=cursors.decode(before, (int,))[0])
    shown, next_before = page(list(entries.order_by("-id")[: limit + 1]), limit,
                              lambda e: (e.pk,))
    return {"items": [diagnostic_item(e) for e in shown], "next_before": next_before}
