"""Changing an organization's AI settings: `check_ai_changes` reads what a person typed,
`do_update_ai_settings` stores it (the key encrypted), `ai_settings_for` reads it back."""

import re
import unicodedata
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.accounts.crypto import encrypt
from ponte.accounts.services import EngineSettingsRejected, check_engine_url
from ponte.ai.models import STYLE_NOTE_LENGTH, AISettings, Transcription, TranscriptionJob
from ponte.db import serialized_writes
from ponte.errors import Refused

MAX_KEY_LENGTH = 500
MAX_DAILY_BUDGET = 100_000
# A key shorter than this would be mostly given away by its last four characters.
HINT_FROM_LENGTH = 16
# An ISO 639-1 code as Whisper and OpenAI take it ("pt"); blank: the provider detects it.
_LANGUAGE = re.compile(r"[a-z]{2,3}")


class AISettingsRefused(Refused):
    """A setting that cannot be stored."""

    status = 422


def today() -> date:
    """The budget's day: the date where the shop is (settings.TIME_ZONE, São Paulo by
    default), whatever time zone a page was rendered in."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def ai_settings_for(org_id) -> AISettings:
    """The organization's settings, made with the defaults (offline) the first time."""
    found = AISettings.objects.filter(org_id=org_id).first()
    if found is not None:
        return found
    try:
        with serialized_writes(), transaction.atomic():
            return AISettings.objects.create(org_id=org_id)
    except IntegrityError:  # made meanwhile by another request or worker
        return AISettings.objects.get(org_id=org_id)


def calls_today(ai: AISettings) -> int:
    return ai.calls_today if ai.calls_day == today() else 0


def _printable(text: str) -> bool:
    return not any(unicodedata.category(c) in ("Cc", "Cf") for c in text)


def check_ai_changes(raw: dict) -> dict:
    """The changes to store, from raw values (only the keys present are changed).

    `api_key`: a new key ("" keeps the stored one); `remove_key`: true forgets it.
    """
    changes: dict = {}
    if "provider" in raw:
        if raw["provider"] not in AISettings.Provider.values:
            raise AISettingsRefused("invalid_provider", _(
                "Escolha um provedor da lista: offline, Gemini ou OpenAI (ou compatível)."))
        changes["provider"] = raw["provider"]
    if "model" in raw:
        changes["model"] = check_model(raw["model"])
    if "base_url" in raw:
        changes["base_url"] = check_base_url(raw["base_url"] or "")
    if "style_note" in raw:
        note = (raw["style_note"] or "").strip()
        if len(note) > STYLE_NOTE_LENGTH:
            raise AISettingsRefused("invalid_style_note", _(
                "O tom da loja pode ter no máximo %(n)s caracteres.") % {"n": STYLE_NOTE_LENGTH})
        changes["style_note"] = note
    if "daily_budget" in raw:
        changes["daily_budget"] = check_daily_budget(raw["daily_budget"])
    if raw.get("remove_key"):
        changes["api_key"] = ""
    elif (raw.get("api_key") or "").strip():
        changes["api_key"] = check_api_key(raw["api_key"])
    changes.update(check_transcription_changes(raw))
    return changes


def check_transcription_changes(raw: dict) -> dict:
    """The transcription half of `check_ai_changes`: the same rules, its own error codes.

    `transcription_api_key`: a new key ("" keeps the stored one, or none: the scoring
    provider's key is used when it is the same provider at the same address);
    `remove_transcription_key`: true forgets it.
    """
    changes: dict = {}
    if "transcription_provider" in raw:
        if raw["transcription_provider"] not in Transcription.values:
            raise AISettingsRefused("invalid_transcription_provider", _(
                "Escolha quem transcreve da lista: desligada, OpenAI (ou compatível), Gemini "
                "ou local."))
        changes["transcription_provider"] = raw["transcription_provider"]
    if "transcription_model" in raw:
        try:
            changes["transcription_model"] = check_model(raw["transcription_model"])
        except AISettingsRefused:
            raise AISettingsRefused("invalid_transcription_model", _(
                "Nome de modelo de transcrição inválido: até 100 caracteres, sem espaços (por "
                "exemplo whisper-1, whisper-large-v3-turbo ou gemini-2.5-flash).")) from None
    if "transcription_base_url" in raw:
        try:
            changes["transcription_base_url"] = check_base_url(
                raw["transcription_base_url"] or "")
        except AISettingsRefused:
            raise AISettingsRefused("invalid_transcription_base_url", _(
                "Endereço de transcrição inválido: use http:// ou https:// seguido do nome ou "
                "IP do servidor (por exemplo https://api.groq.com/openai/v1 ou "
                "http://localhost:8000/v1).")) from None
    if "transcription_language" in raw:
        language = (raw["transcription_language"] or "").strip().lower()
        if language and not _LANGUAGE.fullmatch(language):
            raise AISettingsRefused("invalid_transcription_language", _(
                "Idioma inválido: use o código de duas letras (pt para português, en para "
                "inglês, es para espanhol) ou deixe em branco para o provedor detectar."))
        changes["transcription_language"] = language
    if raw.get("remove_transcription_key"):
        changes["transcription_api_key"] = ""
    elif (raw.get("transcription_api_key") or "").strip():
        try:
            changes["transcription_api_key"] = check_api_key(raw["transcription_api_key"])
        except AISettingsRefused as exc:
            raise AISettingsRefused("invalid_transcription_api_key", exc.detail) from None
    return changes


def check_model(raw: str | None) -> str:
    model = (raw or "").strip()
    if len(model) > 100 or not _printable(model) or any(c.isspace() for c in model):
        raise AISettingsRefused("invalid_model", _(
            "Nome de modelo inválido: até 100 caracteres, sem espaços "
            "(por exemplo gemini-2.5-flash ou gpt-4o-mini)."))
    return model


def check_base_url(raw: str) -> str:
    """An OpenAI-compatible server's address, read as an engine's is; blank: OpenAI's own."""
    try:
        return check_engine_url(raw)
    except EngineSettingsRejected:
        raise AISettingsRefused("invalid_base_url", _(
            "Endereço inválido: use http:// ou https:// seguido do nome ou IP do servidor "
            "(por exemplo http://localhost:11434/v1 para o Ollama).")) from None


def check_daily_budget(raw) -> int:
    try:
        budget = int(str(raw).strip())
    except (TypeError, ValueError):
        budget = -1
    if not 0 <= budget <= MAX_DAILY_BUDGET:
        raise AISettingsRefused("invalid_daily_budget", _(
            "O limite diário é um número de chamadas de 0 a %(max)s (0 desliga a IA externa).")
            % {"max": f"{MAX_DAILY_BUDGET:_}".replace("_", ".")})
    return budget


def check_api_key(raw: str) -> str:
    key = raw.strip()
    if len(key) > MAX_KEY_LENGTH or not _printable(key) or any(c.isspace() for c in key):
        raise AISettingsRefused("invalid_api_key", _(
            "Chave inválida: cole a chave inteira, sem espaços, com até %(n)s caracteres.")
            % {"n": MAX_KEY_LENGTH})
    return key


def do_update_ai_settings(org_id, changes: dict) -> AISettings:
    """Store checked changes; a new key is encrypted, and only a hint of it kept in clear."""
    ai = ai_settings_for(org_id)
    for field in ("api_key", "transcription_api_key"):
        if field in changes:
            key = changes.pop(field)
            changes[field] = encrypt(key) if key else ""
            changes[f"{field}_hint"] = key[-4:] if len(key) >= HINT_FROM_LENGTH else ""
    if not changes:
        return ai
    now = timezone.now()
    transcription_changed = any(name.startswith("transcription_") or name == "api_key"
                                for name in changes)
    # A test of the old settings says nothing about the new ones.
    changes.update(updated_at=now, tested_at=None, test_outcome="", test_detail="",
                   test_latency_ms=None)
    with serialized_writes(), transaction.atomic():
        AISettings.objects.filter(pk=ai.pk).update(**changes)
        if transcription_changed:
            _do_reopen_transcriptions(org_id, now)
    ai.refresh_from_db()
    if transcription_changed and ai.transcribes:
        from ponte.ai.transcripts import transcribing

        transaction.on_commit(transcribing.wake)
    return ai


def _do_reopen_transcriptions(org_id, now) -> None:
    """New transcription settings (a key fixed, transcription turned back on) give the
    recent voice notes that failed or were skipped another go."""
    since = now - timedelta(hours=settings.PONTE_TRANSCRIBE_WINDOW_HOURS)
    TranscriptionJob.objects.filter(
        org_id=org_id, created_at__gte=since,
        state__in=[TranscriptionJob.State.FAILED, TranscriptionJob.State.SKIPPED],
    ).update(state=TranscriptionJob.State.PENDING, attempts=0, next_attempt_at=now, error="",
             finished_at=None)


def key_needed(ai: AISettings) -> bool:
    """Gemini and OpenAI's own servers take a key; a local OpenAI-compatible one may not."""
    return ai.provider == AISettings.Provider.GEMINI or (
        ai.provider == AISettings.Provider.OPENAI and not ai.base_url)


def transcription_key_needed(ai: AISettings) -> bool:
    """As `key_needed`, for the transcriber: Gemini and OpenAI's own servers take a key."""
    return ai.transcription_provider == Transcription.GEMINI or (
        ai.transcription_provider == Transcription.OPENAI and not ai.transcription_base_url)


def do_ask_for_test(org_id) -> bool:
    """Queue a test of the remote provider for the lead worker; False when offline."""
    ai = ai_settings_for(org_id)
    if not ai.remote:
        return False
    with serialized_writes():
        AISettings.objects.filter(pk=ai.pk).update(test_asked_at=timezone.now())
    return True
