"""Receiving media the way a shop does: an engine's webhook, the drainer, the media worker."""

import base64
import json

from django.test import Client
from django.utils import timezone

from tests.support import wppconnect_text

PHONE = "5531987654321"


def wppconnect_media(data: bytes, *, wa_type: str = "image", mimetype: str = "image/jpeg",
                     message_id: str = "MEDIA1", filename: str | None = None,
                     caption: str = "", encoded: str | None = None,
                     phone: str = PHONE) -> dict:
    """What WPPConnect Server posts for a media message with its default autoDownload: the
    whole file as base64 in `body`."""
    encoded = base64.b64encode(data).decode() if encoded is None else encoded
    body = wppconnect_text(phone, message_id, "") | {
        "type": wa_type, "body": encoded, "mimetype": mimetype, "size": len(data),
        "caption": caption}
    if filename:
        body["filename"] = filename
    return body


def receive(tenant, *bodies: dict) -> None:
    """Post each body through the real webhook, then let the drainer store them."""
    from ponte.inbox.pipeline import drain

    client = Client()
    for body in bodies:
        response = client.post(tenant.instance.webhook_path, data=json.dumps(body),
                               content_type="application/json")
        assert response.status_code == 200
    drain()


def fetch_files(passes: int = 10) -> None:
    """Run the media worker until nothing is due, skipping backoff waits."""
    from ponte.conversations.media_downloads import MediaDownloader
    from ponte.conversations.models import MediaDownload

    downloader = MediaDownloader()
    try:
        for _ in range(passes):
            MediaDownload.objects.update(next_attempt_at=timezone.now())
            if downloader.run_pass() is None:
                break
    finally:
        downloader.close()


def received_file(tenant, data: bytes, **media):
    """A message of the tenant's customer with this file, fetched and stored; the Message."""
    from ponte.conversations.models import Message

    message_id = media.pop("message_id", f"M{Message.objects.count() + 1}")
    receive(tenant, wppconnect_media(data, message_id=message_id, **media))
    fetch_files()
    return Message.objects.select_related("file").get(engine_message_id=message_id)
