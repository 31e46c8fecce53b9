from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.accounts.models import Instance, Organization
from ponte.accounts.scoping import OrgQuerySet
from ponte.text import ERROR_LENGTH


class DiagnosticEntry(models.Model):
    """One exchange with an engine, or one call to an organization's AI provider (no
    instance; the path starts with the provider's name). Never holds message content or a
    secret."""

    class Direction(models.TextChoices):
        INBOUND = "in", "webhook"
        OUTBOUND = "out", "engine call"

    # Outcomes that are not errors: "errors only" leaves these out.
    FINE_OUTCOMES = ("ok", "accepted", "ignored")
    # How the log page names each outcome; the stored codes stay stable for the API.
    OUTCOME_LABELS = {
        "ok": _("sucesso"), "accepted": _("aceito"), "ignored": _("ignorado"),
        "refused": _("motor inacessível"), "timeout": _("sem resposta"),
        "auth": _("chave recusada"), "http_error": _("erro do motor"), "error": _("falha"),
        "too_large": _("grande demais"), "bad_signature": _("assinatura inválida"),
        "malformed_json": _("JSON inválido"), "not_an_object": _("não é um objeto JSON"),
        "unknown_event": _("evento desconhecido"),
    }

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True)
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, null=True)
    # When the (first) call went out or the webhook came in, not when the row was written.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Identical outcomes in a row are one entry: how many, and when the latest was.
    count = models.PositiveIntegerField(default=1)
    last_at = models.DateTimeField(null=True, blank=True)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=ERROR_LENGTH)
    status_code = models.PositiveSmallIntegerField(null=True)
    latency_ms = models.FloatField(null=True)
    outcome = models.CharField(max_length=20)
    error = models.CharField(max_length=ERROR_LENGTH, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["instance", "-created_at"]),
                   models.Index(fields=["instance", "path", "-id"], name="diagnostics_same_call")]

    @property
    def outcome_label(self) -> str:
        return self.OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def folded(self) -> bool:
        return self.count > 1
