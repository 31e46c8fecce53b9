"""What attendants add to conversations, and how an organization runs its desk."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.accounts.models import Organization
from ponte.accounts.scoping import OrgQuerySet
from ponte.conversations.models import Conversation, Message

NAME_LENGTH = 60
DEFAULT_COLOUR = "#64748b"


class Label(models.Model):
    """A tag an organization puts on conversations ("Troca", "Atacado"), with its colour."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=NAME_LENGTH)
    colour = models.CharField(max_length=7, default=DEFAULT_COLOUR)  # #rrggbb
    conversations = models.ManyToManyField(Conversation, through="ConversationLabel",
                                           related_name="labels", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint("org", Lower("name"), name="one_label_name")]
        ordering = [Lower("name")]

    def __str__(self) -> str:
        return self.name


class ConversationLabel(models.Model):
    label = models.ForeignKey(Label, on_delete=models.CASCADE)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["label", "conversation"],
                                               name="label_once_per_conversation")]


class QuickReply(models.Model):
    """A saved answer the composer offers after `/`; `{nome}`, `{atendente}` are filled in."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="quick_replies")
    shortcut = models.CharField(max_length=40)
    text = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint("org", Lower("shortcut"),
                                               name="one_quick_reply_shortcut")]


class Note(models.Model):
    """An attendant's internal note in a chat: seen by members, never sent to the customer."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+")
    author_name = models.CharField(max_length=150, blank=True)  # kept if the user goes
    text = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["conversation", "created_at"])]


class ConversationEvent(models.Model):
    """Who changed what in a chat, and when: shown in its timeline, read by the reports."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Situação")  # data: {"from", "to", "until"?}
        ASSIGNED = "assigned", _("Atribuída")  # data: {"from_id", "to_id", "to_name", "note"?}
        UNASSIGNED = "unassigned", _("Sem responsável")  # data: {"from_id", "from_name"}
        LABELLED = "labelled", _("Etiqueta")  # data: {"added": [names], "removed": [names]}
        AWAY_REPLY = "away_reply", _("Mensagem de ausência")  # data: {"message_id"}

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)  # "" when Ponte itself did it
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["conversation", "created_at"]),
                   models.Index(fields=["org", "kind", "created_at"])]


class Notification(models.Model):
    """Something for one member: a chat assigned to them, a note that mentions them."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Conversa atribuída")
        MENTION = "mention", _("Menção em nota")

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="+")
    note = models.ForeignKey(Note, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")
    text = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]


class DeskSettings(models.Model):
    """How an organization runs its desk; the defaults hold until a manager changes them."""

    org = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="desk")
    agents_see_all = models.BooleanField(default=True)  # else their own chats and unassigned
    round_robin = models.BooleanField(default=False)  # new chats to online members in turn
    away_enabled = models.BooleanField(default=False)
    away_text = models.TextField(blank=True)
    # {"0": [["09:00", "18:00"]], …, "6": []}: Monday is "0"; an absent day is closed.
    business_hours = models.JSONField(default=dict, blank=True)
    holidays = models.JSONField(default=list, blank=True)  # ["2026-12-25", …]
    time_zone = models.CharField(max_length=64, default="America/Sao_Paulo")

    @classmethod
    def for_org(cls, org_id) -> "DeskSettings":
        return cls.objects.filter(org_id=org_id).first() or cls(org_id=org_id)


class AwayReply(models.Model):
    """The away message a chat got in one absence: at most one each."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    absence = models.CharField(max_length=40)  # when the absence began, ISO 8601
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "absence"],
                                               name="one_away_reply_per_absence")]
