from django.db import models
from django.utils import timezone

from ponte.accounts.models import Organization
from ponte.accounts.scoping import OrgQuerySet


class Lead(models.Model):
    """A contact as a sales prospect: its score (0–100) and the reasons behind it."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="leads")
    contact = models.OneToOneField("conversations.Contact", on_delete=models.CASCADE,
                                   related_name="lead")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["org", "-score"])]

    @property
    def band(self) -> str:
        return score_band(self.score)


def score_band(score: int | None) -> str:
    """hot, warm or cold: what the inbox badge shows and its filter picks."""
    if score is None:
        return ""
    return "hot" if score >= 70 else "warm" if score >= 40 else "cold"
