from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.accounts.models import Organization
from ponte.accounts.scoping import OrgQuerySet


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("negativo")
    NEUTRAL = "neutral", _("neutro")
    POSITIVE = "positive", _("positivo")


class Lead(models.Model):
    """A contact as a sales prospect: its score (0–100) and the reasons behind it."""

    class Status(models.TextChoices):
        NEW = "new", _("Novo")
        IN_PROGRESS = "in_progress", _("Em atendimento")
        WON = "won", _("Ganho")
        LOST = "lost", _("Perdido")

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="leads")
    contact = models.OneToOneField("conversations.Contact", on_delete=models.CASCADE,
                                   related_name="lead")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    source = models.CharField(max_length=20, default="whatsapp")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="leads")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    sentiment_label = models.CharField(max_length=8, choices=Sentiment.choices, blank=True)
    sentiment_value = models.FloatField(null=True, blank=True)
    intent = models.FloatField(null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    # Set by each inbound message a few seconds ahead: a burst of them ends in one scoring.
    score_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["org", "-score"])]

    @property
    def band(self) -> str:
        return score_band(self.score)


class LeadScore(models.Model):
    """One scoring of a lead, kept so a seller sees whether the chat warms or cools."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="scores")
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    sentiment_label = models.CharField(max_length=8, choices=Sentiment.choices, blank=True)
    sentiment_value = models.FloatField(null=True, blank=True)
    intent = models.FloatField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    scored_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["lead", "-scored_at", "-id"])]


def score_band(score: int | None) -> str:
    """hot, warm or cold: what the inbox badge shows and its filter picks."""
    if score is None:
        return ""
    return "hot" if score >= 70 else "warm" if score >= 40 else "cold"


class ReplySuggestion(models.Model):
    """A reply the AI proposes for the customer's latest message; the attendant sends it, or not.

    Never sent by itself: "Enviar agora" only fills the composer. When the attendant's send
    carries its id, `used_at`, `sent_message` and `similarity` (1 = sent as proposed) say how
    it was used; a newer one for the same chat sets `superseded_at` on the older ones.
    """

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="suggestions")
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                     related_name="+")
    text = models.TextField()
    topic = models.CharField(max_length=40, blank=True)
    provider = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    based_on = models.ForeignKey("conversations.Message", on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+")
    superseded_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    sent_message = models.ForeignKey("conversations.Message", on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    similarity = models.FloatField(null=True, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["conversation", "-created_at", "-id"])]
