from django.db import models
from django.utils import timezone

from ponte.accounts.models import Organization
from ponte.accounts.scoping import OrgQuerySet


class MediaFile(models.Model):
    """The bytes of one file an organization received or sent, stored once per content.

    The storage name comes from the content's hash, never from the sender's filename;
    messages point here (`Message.file`), and a file no message uses is deleted.
    """

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    sha256 = models.CharField(max_length=64)
    name = models.CharField(max_length=255)  # in the media storage
    mimetype = models.CharField(max_length=100)  # sniffed from the bytes
    size = models.PositiveBigIntegerField()
    thumbnail = models.CharField(max_length=255, blank=True)  # a JPEG beside it, images only
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True)  # seconds, audio and video
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "sha256"], name="one_file_per_content"),
        ]
