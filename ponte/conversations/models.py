from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ponte.accounts.models import Instance, Organization
from ponte.accounts.scoping import OrgQuerySet
from ponte.conversations.failures import SendFailure
from ponte.media.models import MediaFile
from ponte.text import ERROR_LENGTH, NAME_LENGTH


class Contact(models.Model):
    """One person per organization: one canonical phone, however many WhatsApp ids."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="contacts")
    # None while we only know the person by an @lid.
    e164 = models.CharField(max_length=20, null=True, blank=True)
    name = models.CharField(max_length=NAME_LENGTH, blank=True)
    push_name = models.CharField(max_length=NAME_LENGTH, blank=True)
    # The WhatsApp id the engine's number check said exists (ninth digit or not).
    wa_id = models.CharField(max_length=32, blank=True)
    wa_checked_at = models.DateTimeField(null=True, blank=True)
    # WhatsApp's profile picture: a signed CDN URL that expires, so asked again daily.
    photo_url = models.URLField(max_length=2000, blank=True)
    photo_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "e164"], condition=Q(e164__isnull=False),
                                    name="one_contact_per_phone"),
        ]

    @property
    def display_name(self) -> str:
        return self.name or self.push_name or self.e164 or ""


class ContactHandle(models.Model):
    """A WhatsApp id seen for a contact: a phone JID's user part or an @lid."""

    class Kind(models.TextChoices):
        PHONE = "user", "phone"
        LID = "lid", "lid"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="handles")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    value = models.CharField(max_length=64)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "kind", "value"], name="one_owner_per_handle"),
        ]


class Conversation(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Aberta")
        PENDING = "pending", _("Pendente")  # waiting for the customer
        SNOOZED = "snoozed", _("Adiada")  # until `snoozed_until`
        RESOLVED = "resolved", _("Resolvida")

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="conversations")
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    last_message_at = models.DateTimeField(null=True, db_index=True)
    last_message = models.ForeignKey("Message", on_delete=models.SET_NULL, null=True,
                                     related_name="+")
    unread_count = models.PositiveIntegerField(default=0)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "contact"], name="one_chat_per_contact"),
        ]
        indexes = [models.Index(fields=["org", "-last_message_at"]),
                   models.Index(fields=["org", "status", "-last_message_at"]),
                   models.Index(fields=["snoozed_until"], name="snoozed_to_wake",
                                condition=models.Q(status="snoozed"))]

    def refresh_last_message(self) -> None:
        """Point the preview at the newest message again, after messages moved or went."""
        last = self.messages.order_by("-engine_timestamp", "-id").first()
        self.last_message = last
        self.last_message_at = last.engine_timestamp if last else None
        self.save(update_fields=["last_message", "last_message_at"])


class MessageStatus(models.TextChoices):
    PENDING = "pending", "pending"
    SENT = "sent", "sent"
    DELIVERED = "delivered", "delivered"
    READ = "read", "read"
    PLAYED = "played", "played"
    FAILED = "failed", "failed"


# Acks only move a message forward; a late "sent" never undoes "read".
STATUS_RANK = {MessageStatus.PENDING: 0, MessageStatus.FAILED: 1, MessageStatus.SENT: 2,
               MessageStatus.DELIVERED: 3, MessageStatus.READ: 4, MessageStatus.PLAYED: 5}


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", "inbound"
        OUTBOUND = "out", "outbound"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="messages")
    engine_message_id = models.CharField(max_length=200, null=True, blank=True)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=12, default="text")
    text = models.TextField(blank=True)
    caption = models.TextField(blank=True)
    # What is known of its media (`docs/media.md`): mimetype, filename, size, the engine's
    # reference, location or shared contacts, and `state`: pending, stored, refused, gone.
    media = models.JSONField(null=True, blank=True)
    file = models.ForeignKey(MediaFile, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="messages")
    # A voice note's or audio's words, written by the transcription provider.
    transcript = models.TextField(blank=True)
    quoted_engine_message_id = models.CharField(max_length=200, null=True, blank=True)
    status = models.CharField(max_length=10, choices=MessageStatus.choices,
                              default=MessageStatus.SENT)
    error = models.CharField(max_length=ERROR_LENGTH, blank=True)
    revoked = models.BooleanField(default=False)
    sender_name = models.CharField(max_length=NAME_LENGTH, blank=True)
    engine_timestamp = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    # Outbound queue: a pending message is due at next_attempt_at; a send whose answer
    # never came (outcome unknown) is reconciled before anything is sent again.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    outcome_unknown_at = models.DateTimeField(null=True, blank=True)
    # Past this time a message still waiting ends failed: sent late is worse than not sent.
    send_deadline = models.DateTimeField(null=True, blank=True)
    # Why the last try failed (a SendFailure code): the chat says it in the reader's language.
    failure = models.CharField(max_length=20, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+")

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "engine_message_id"],
                                    condition=Q(engine_message_id__isnull=False),
                                    name="one_row_per_engine_message"),
        ]
        indexes = [
            models.Index(fields=["conversation", "-engine_timestamp", "-id"]),
            models.Index(fields=["status", "next_attempt_at"]),
            # Voice notes and audio stored but not yet in words: what the transcription loop
            # (ponte.ai.transcripts) looks for, newest first, without reading every message.
            models.Index(fields=["created_at"], name="voice_to_transcribe",
                         condition=Q(kind__in=("voice", "audio"), file__isnull=False,
                                     transcript="")),
        ]

    @property
    def failure_reason(self) -> str:
        """Why it did not go out, in the active language: the cause, else the engine's words."""
        if self.failure in SendFailure.values:
            return str(SendFailure(self.failure).label)
        return self.error


class EarlyUpdate(models.Model):
    """An ack or revoke that arrived before its message; applied when the message lands."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE)
    engine_message_id = models.CharField(max_length=200)
    status = models.CharField(max_length=10, blank=True)
    error = models.CharField(max_length=ERROR_LENGTH, blank=True)
    revoked = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["instance", "engine_message_id"])]


class MediaDownload(models.Model):
    """A received message's file still to be fetched from its engine (or decoded from the
    base64 its webhook carried) and stored; the row goes once the file is stored."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="download")
    inline_base64 = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    error = models.CharField(max_length=ERROR_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["next_attempt_at"])]
