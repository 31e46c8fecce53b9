"""The ERP's records as the shop sends them, keyed by the ERP's own ids (`external_id`)."""

from django.db import models
from django.utils import timezone

from ponte.accounts.models import Organization
from ponte.accounts.scoping import OrgQuerySet


class Customer(models.Model):
    """A customer of the shop's ERP; found from a chat through its canonical phones."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="erp_customers")
    external_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    email = models.CharField(max_length=254, blank=True)
    birthday = models.DateField(null=True, blank=True)
    photo_url = models.URLField(max_length=500, blank=True)
    cashback_balance = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    cashback_expires_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    marketing_opt_out = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "external_id"], name="one_customer_per_erp_id"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} {self.name}"


class CustomerPhone(models.Model):
    """One of a customer's numbers: canonical for lookups, as written for display."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    # ponte.identity.canonicalize's e164: Brazilian mobiles always carry the ninth digit.
    e164 = models.CharField(max_length=20)
    written = models.CharField(max_length=60)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "e164"], name="one_phone_per_customer"),
        ]
        indexes = [models.Index(fields=["org", "e164"])]


class Sale(models.Model):
    """A purchase; it may arrive before its customer, and is linked when the customer does."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="erp_sales")
    external_id = models.CharField(max_length=100)
    customer_external_id = models.CharField(max_length=100)
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="sales")
    # A date alone is midnight in America/Sao_Paulo.
    date = models.DateTimeField()
    total = models.DecimalField(max_digits=12, decimal_places=2)
    items = models.TextField(blank=True)
    store = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "external_id"], name="one_sale_per_erp_id"),
        ]
        indexes = [
            models.Index(fields=["org", "customer", "-date"]),
            models.Index(fields=["org", "customer_external_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} {self.total}"


class ChatCustomer(models.Model):
    """Which customer a chat is about, picked by an attendant when customers share its phone.

    The chat is a plain id: `erp` and `conversations` share a layer and never import each
    other. A purged chat leaves an orphan row that nothing reads (ids are never reused).
    """

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    conversation_id = models.BigIntegerField()
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    chosen_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "conversation_id"],
                                    name="one_customer_per_chat"),
        ]
