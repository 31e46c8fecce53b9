from django.db import models
from django.utils import timezone

from ponte.accounts.models import Instance, Organization
from ponte.accounts.scoping import OrgQuerySet
from ponte.text import ERROR_LENGTH


class SessionTransition(models.Model):
    """Every change of an instance's session state, with what caused it."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="transitions")
    at = models.DateTimeField(default=timezone.now)
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    cause = models.CharField(max_length=ERROR_LENGTH)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["instance", "-at"])]
