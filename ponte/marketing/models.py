"""What a shop chose for its reminders, and each reminder an attendant opened and sent."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from ponte.accounts.models import Organization
from ponte.conversations.models import Conversation, Message
from ponte.erp.models import Customer


class Kind(models.TextChoices):
    CASHBACK = "cashback", "cashback"
    INACTIVITY = "inactivity", "inactivity"
    BIRTHDAY = "birthday", "birthday"


class RecallSettings(models.Model):
    """One per organization; an empty template means the default text (in the page's language)."""

    org = models.OneToOneField(Organization, on_delete=models.CASCADE,
                               related_name="recall_settings")
    cashback_minimum = models.DecimalField(max_digits=12, decimal_places=2,
                                           default=Decimal("10.00"))
    cashback_window_days = models.PositiveSmallIntegerField(default=7)
    inactivity_days_1 = models.PositiveSmallIntegerField(default=30)
    inactivity_days_2 = models.PositiveSmallIntegerField(default=60)
    inactivity_days_3 = models.PositiveSmallIntegerField(default=90)
    birthday_enabled = models.BooleanField(default=True)
    template_cashback = models.TextField(blank=True)
    template_inactivity = models.TextField(blank=True)
    template_birthday = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    @classmethod
    def for_org(cls, org_id) -> "RecallSettings":
        """The stored settings, or the defaults (unsaved) until an owner changes them."""
        return cls.objects.filter(org_id=org_id).first() or cls(org_id=org_id)

    @property
    def inactivity_buckets(self) -> list[int]:
        return sorted({self.inactivity_days_1, self.inactivity_days_2, self.inactivity_days_3})


class Recall(models.Model):
    """A reminder an attendant opened from the Marketing page; sent once its text left.

    Replies and sales afterwards are read from messages and sales when asked
    (`tracking.results`), so nothing in the inbox has to know about reminders.
    """

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="recalls")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    e164 = models.CharField(max_length=20)
    message = models.TextField()
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    conversation = models.ForeignKey(Conversation, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["org", "-sent_at"])]
