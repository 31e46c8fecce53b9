"""Contacts' WhatsApp profile pictures, asked of the engine when someone looks at them.

WhatsApp hands out signed CDN URLs that expire within days, so a URL is kept for a
day and asked again after that; a failed ask is retried sooner. Only the URL is
stored: the attendant's browser loads the picture itself.
"""

import asyncio
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ponte import realtime
from ponte.accounts.models import Instance
from ponte.conversations.models import Contact
from ponte.engines.base import EngineError
from ponte.engines.calls import call_engine, is_configured

FRESH_FOR = timedelta(hours=24)
RETRY_AFTER = timedelta(minutes=15)
ASK_TIMEOUT_SECONDS = 5.0


def photo_is_stale(contact: Contact) -> bool:
    checked = contact.photo_checked_at
    return checked is None or timezone.now() - checked >= FRESH_FOR


def refresh_photo(contact: Contact, instance: Instance) -> None:
    """Ask the engine for the contact's picture now and keep the answer (or the old URL)."""
    wa_id = contact.wa_id or (contact.e164 or "").lstrip("+")
    checked_at = timezone.now()
    url = contact.photo_url
    # With nobody to ask it counts as checked, so opening the chat does not ask again.
    if wa_id and is_configured(instance):
        try:
            url = call_engine(instance, lambda client: asyncio.wait_for(
                client.profile_picture(wa_id), ASK_TIMEOUT_SECONDS)) or ""
        except (EngineError, TimeoutError):
            checked_at -= FRESH_FOR - RETRY_AFTER  # keep what we had; ask again soon
    do_set_photo(contact, url, checked_at)


def do_set_photo(contact: Contact, url: str, checked_at) -> None:
    """Keep what the engine said of the picture; a new picture shows in every open tab."""
    changed = url != contact.photo_url
    with transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(photo_url=url, photo_checked_at=checked_at)
        if changed:
            realtime.publish_on_commit(contact.org_id, "contact.photo",
                                       {"contact_id": contact.pk})
    contact.photo_url, contact.photo_checked_at = url, checked_at
