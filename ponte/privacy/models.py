from django.db import models

from ponte.accounts.models import Organization


class DroppedCount(models.Model):
    """How many events were dropped, and why: the only trace a dropped event leaves."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    reason = models.CharField(max_length=20)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "reason"], name="one_counter")]
