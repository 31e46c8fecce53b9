from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.accounts.models import Organization
from ponte.accounts.scoping import OrgQuerySet


class DroppedCount(models.Model):
    """How many events were dropped, and why: the only trace a dropped event leaves."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    reason = models.CharField(max_length=20)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "reason"], name="one_counter")]


class HiddenNumber(models.Model):
    """A number the CRM must never show nor store: purged when hidden, dropped on arrival."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="hidden_numbers")
    e164 = models.CharField(max_length=20)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    # Who hid it, as it read then: a member's e-mail or an API key's name.
    created_by_name = models.CharField(max_length=200, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "e164"], name="one_hide_per_number")]


class HiddenHandle(models.Model):
    """A digit string WhatsApp may write for a hidden number: each phone form, each @lid.

    Kept apart from the contact, which the hide deletes, so an @lid mapped before the
    hide (or learnt after it) still drops what it sends.
    """

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    hidden = models.ForeignKey(HiddenNumber, on_delete=models.CASCADE, related_name="handles")
    value = models.CharField(max_length=64)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "value"], name="one_hide_per_handle")]


class PrivacyRecord(models.Model):
    """The audit trail of hides, unhides, exports, erasures and sweeps: who, when, how many.

    Counts by kind, never content. Rows are written once: nothing in Ponte edits them.
    """

    class Action(models.TextChoices):
        HIDE = "hide", _("Número ocultado")
        UNHIDE = "unhide", _("Número voltou a aparecer")
        EXPORT = "export", _("Dados exportados (LGPD)")
        ERASE = "erase", _("Dados apagados (LGPD)")
        SWEEP = "sweep", _("Varredura")

    org = models.ForeignKey(Organization, on_delete=models.CASCADE,
                            related_name="privacy_records")
    action = models.CharField(max_length=8, choices=Action.choices)
    e164 = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    actor_name = models.CharField(max_length=200, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["org", "-id"])]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("privacy records are written once")
        super().save(*args, **kwargs)
