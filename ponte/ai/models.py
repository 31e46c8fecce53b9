"""Each organization's choice of who reads its chats: the offline model or a remote one."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.accounts.models import Organization
from ponte.accounts.scoping import OrgQuerySet
from ponte.conversations.models import Message
from ponte.text import ERROR_LENGTH

DEFAULT_DAILY_BUDGET = 500
DEFAULT_TRANSCRIPTION_LANGUAGE = "pt"
STYLE_NOTE_LENGTH = 500
# What each outcome of a remote call (or of one that never left) means for the shop.
CALL_OUTCOMES = {
    "ok": _("respondeu"),
    "timeout": _("sem resposta a tempo; usado o modelo offline"),
    "auth": _("chave recusada pelo provedor; usado o modelo offline"),
    "rate_limited": _("limite de uso do provedor atingido; usado o modelo offline"),
    "http_error": _("erro do provedor; usado o modelo offline"),
    "refused": _("provedor inacessível; usado o modelo offline"),
    "malformed": _("resposta ilegível; usado o modelo offline"),
    "error": _("falha; usado o modelo offline"),
    "budget_exhausted": _("limite diário de chamadas atingido; o modelo offline responde até "
                          "amanhã"),
    "key_unreadable": _("a chave salva não pode ser lida por este servidor (a chave de "
                        "criptografia mudou?): salve a chave de novo; usado o modelo offline"),
}
# How each transcriber's calls start in the diagnostic log ("openai-audio /v1/audio/…"),
# apart from the same provider's scoring calls.
TRANSCRIPTION_LOG_NAMES = {"openai": "openai-audio", "gemini": "gemini-audio",
                           "local": "whisper"}
# The same outcomes for a transcription call: there is no offline stand-in, the job waits.
TRANSCRIPTION_OUTCOMES = {
    "ok": _("transcreveu"),
    "timeout": _("sem resposta a tempo; a transcrição será tentada de novo"),
    "auth": _("chave recusada pelo provedor; a transcrição será tentada de novo"),
    "rate_limited": _("limite de uso do provedor atingido; a transcrição será tentada de novo"),
    "http_error": _("erro do provedor; a transcrição será tentada de novo"),
    "refused": _("provedor inacessível; a transcrição será tentada de novo"),
    "malformed": _("resposta ilegível; a transcrição será tentada de novo"),
    "error": _("falha; a transcrição será tentada de novo"),
    "unavailable": _("transcrição local indisponível neste servidor"),
    "budget_exhausted": _("limite diário de chamadas atingido; as transcrições esperam até "
                          "amanhã"),
    "key_unreadable": _("a chave salva não pode ser lida por este servidor (a chave de "
                        "criptografia mudou?): salve a chave de novo"),
    "gave_up": _("transcrição desistida depois de várias tentativas"),
}


class Transcription(models.TextChoices):
    """Who turns voice notes into text."""

    NONE = "none", _("Desligada (nenhum áudio sai do Ponte)")
    OPENAI = "openai", _("OpenAI ou compatível (Groq, um servidor faster-whisper)")
    GEMINI = "gemini", _("Google Gemini")
    LOCAL = "local", _("Local (faster-whisper neste servidor)")


class AISettings(models.Model):
    """One per organization, made the first time it is asked for (`services.ai_settings_for`).

    The API key is a Fernet token (`ponte.accounts.crypto`): it is never shown again, only
    `api_key_hint`, the last four characters of a long key. The day's calls count against
    `daily_budget` in one UPDATE (`choice.take_call`), so two workers never overspend.
    """

    class Provider(models.TextChoices):
        OFFLINE = "offline", _("Offline (no próprio Ponte, sem enviar nada)")
        GEMINI = "gemini", _("Google Gemini")
        OPENAI = "openai", _("OpenAI ou compatível (Ollama, vLLM, LM Studio)")

    org = models.OneToOneField(Organization, on_delete=models.CASCADE, primary_key=True,
                               related_name="ai_settings")
    provider = models.CharField(max_length=10, choices=Provider.choices,
                                default=Provider.OFFLINE)
    model = models.CharField(max_length=100, blank=True)  # blank: the provider's default
    base_url = models.CharField(max_length=500, blank=True)  # OpenAI-compatible servers
    api_key = models.TextField(blank=True)  # encrypted
    api_key_hint = models.CharField(max_length=4, blank=True)
    style_note = models.CharField(max_length=STYLE_NOTE_LENGTH, blank=True)
    daily_budget = models.PositiveIntegerField(default=DEFAULT_DAILY_BUDGET)  # 0: remote off
    # Today's calls; `calls_day` is the date in settings.TIME_ZONE they were counted on.
    calls_day = models.DateField(null=True, blank=True)
    calls_today = models.PositiveIntegerField(default=0)
    # The day the budget ran out and the log said so: once a day, not once a call.
    exhausted_day = models.DateField(null=True, blank=True)
    # "Testar conexão": asked from the page, run by the lead worker (never inside a web
    # request), its result shown on the next load; changed settings clear it.
    test_asked_at = models.DateTimeField(null=True, blank=True)
    tested_at = models.DateTimeField(null=True, blank=True)
    test_outcome = models.CharField(max_length=20, blank=True)
    test_detail = models.CharField(max_length=500, blank=True)
    test_latency_ms = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # Voice notes and audio into text (`transcripts.py`): off unless the owner picks who.
    transcription_provider = models.CharField(max_length=10, choices=Transcription.choices,
                                              default=Transcription.NONE)
    transcription_model = models.CharField(max_length=100, blank=True)  # blank: the default
    transcription_base_url = models.CharField(max_length=500, blank=True)
    # Encrypted like api_key. Blank: the key above, when it is for the same provider at the
    # same address (a key never goes to a server it was not given for).
    transcription_api_key = models.TextField(blank=True)
    transcription_api_key_hint = models.CharField(max_length=4, blank=True)
    transcription_language = models.CharField(max_length=8,
                                              default=DEFAULT_TRANSCRIPTION_LANGUAGE)

    objects = OrgQuerySet.as_manager()

    @property
    def remote(self) -> bool:
        return self.provider != self.Provider.OFFLINE

    @property
    def transcribes(self) -> bool:
        return self.transcription_provider != Transcription.NONE


class TranscriptionJob(models.Model):
    """One voice note or audio to turn into text, made by the transcription loop when it
    finds the message's file stored; the row stays as the record of how it went."""

    class State(models.TextChoices):
        PENDING = "pending", _("na fila")
        DONE = "done", _("transcrita")
        FAILED = "failed", _("falhou")
        SKIPPED = "skipped", _("não transcrita")

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    message = models.OneToOneField(Message, on_delete=models.CASCADE,
                                   related_name="transcription")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    provider = models.CharField(max_length=10, blank=True)  # who answered (or last tried)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    error = models.CharField(max_length=ERROR_LENGTH, blank=True)  # pt-BR, for the owner
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["next_attempt_at"], name="transcription_due",
                                condition=models.Q(state="pending"))]
