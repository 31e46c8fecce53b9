"""Changing an organization's AI settings: `check_ai_changes` reads what a person typed,
`do_update_ai_settings` stores it (the key encrypted), `ai_settings_for` reads it back."""

import unicodedata
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.accounts.crypto import encrypt
from ponte.accounts.services import EngineSettingsRejected, check_engine_url
from ponte.ai.models import STYLE_NOTE_LENGTH, AISettings
from ponte.db import serialized_writes
from ponte.errors import Refused

MAX_KEY_LENGTH = 500
MAX_DAILY_BUDGET = 100_000
# A key shorter than this would be mostly given away by its last four characters.
HINT_FROM_LENGTH = 16


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
        model = (raw["model"] or "").strip()
        if len(model) > 100 or not _printable(model) or any(c.isspace() for c in model):
            raise AISettingsRefused("invalid_model", _(
                "Nome de modelo inválido: até 100 caracteres, sem espaços "
                "(por exemplo gemini-2.5-flash ou gpt-4o-mini)."))
        changes["model"] = model
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
    return changes


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
    if "api_key" in changes:
        key = changes.pop("api_key")
        changes["api_key"] = encrypt(key) if key else ""
        changes["api_key_hint"] = key[-4:] if len(key) >= HINT_FROM_LENGTH else ""
    if not changes:
        return ai
    # A test of the old settings says nothing about the new ones.
    changes.update(updated_at=timezone.now(), tested_at=None, test_outcome="", test_detail="",
                   test_latency_ms=None)
    with serialized_writes(), transaction.atomic():
        AISettings.objects.filter(pk=ai.pk).update(**changes)
    ai.refresh_from_db()
    return ai


def key_needed(ai: AISettings) -> bool:
    """Gemini and OpenAI's own servers take a key; a local OpenAI-compatible one may not."""
    return ai.provider == AISettings.Provider.GEMINI or (
        ai.provider == AISettings.Provider.OPENAI and not ai.base_url)



def do_ask_for_test(org_id) -> bool:
    """Queue a test of the remote provider for the lead worker; False when offline."""
    ai = ai_settings_for(org_id)
    if not ai.remote:
        return False
    with serialized_writes():
        AISettings.objects.filter(pk=ai.pk).update(test_asked_at=timezone.now())
    return True
