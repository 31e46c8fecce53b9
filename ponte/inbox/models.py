from django.db import models
from django.utils import timezone

from ponte.accounts.models import Instance, Organization
from ponte.text import ERROR_LENGTH


class InboxEvent(models.Model):
    """A webhook body, committed before the engine gets its 200, processed after."""

    class State(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        FAILED = "failed"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE)
    received_at = models.DateTimeField(default=timezone.now)
    body = models.TextField(blank=True)
    # The body holds our own event JSON (`engines.events.dump_events`), not the engine's:
    # what remained of a body once a hidden number's events were taken out.
    canonical = models.BooleanField(default=False)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True)
    error = models.CharField(max_length=ERROR_LENGTH, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "id"])]
