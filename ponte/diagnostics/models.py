from django.db import models
from django.utils import timezone

from ponte.accounts.models import Instance, Organization
from ponte.accounts.scoping import OrgQuerySet
from ponte.text import ERROR_LENGTH


class DiagnosticEntry(models.Model):
    """One exchange with an engine. Never holds message content or a secret."""

    class Direction(models.TextChoices):
        INBOUND = "in", "webhook"
        OUTBOUND = "out", "engine call"

    # Outcomes that are not errors: "errors only" leaves these out.
    FINE_OUTCOMES = ("ok", "accepted", "ignored")

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True)
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=ERROR_LENGTH)
    status_code = models.PositiveSmallIntegerField(null=True)
    latency_ms = models.FloatField(null=True)
    outcome = models.CharField(max_length=20)
    error = models.CharField(max_length=ERROR_LENGTH, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["instance", "-created_at"])]
