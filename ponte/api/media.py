"""A message's media as the API shows it: the stored file's truth, the engine's word before."""

from django.urls import reverse

from ponte.conversations.models import Message


def media_out(message: Message) -> dict | None:
    """`MessageOut.media`; None for a message with neither file, place nor cards."""
    media = message.media or {}
    stored = message.file
    if not media and stored is None:
        return None
    return {
        "url": reverse("message-media", args=[message.pk]) if stored else None,
        "thumbnail_url": reverse("message-media-thumbnail", args=[message.pk])
        if stored and stored.thumbnail else None,
        "mimetype": stored.mimetype if stored else media.get("mimetype"),
        "filename": media.get("filename"),
        "size": stored.size if stored else media.get("size"),
        "duration": (stored.duration if stored else None) or media.get("duration"),
        "transcript": message.transcript or None,
        "state": media.get("state"),
        "problem": media.get("problem"),
        "location": media.get("location"),
        "contacts": media.get("contacts"),
    }
