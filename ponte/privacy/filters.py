"""The relevance filter: runs before anything about a message is written."""

from collections import Counter

from django.db import transaction
from django.db.models import F

from ponte.engines.events import Event, IdentityLink, InboundMessage
from ponte.privacy.models import DroppedCount

_IRRELEVANT_KINDS = {"group", "broadcast", "status", "newsletter"}


def drop_reason(event: Event) -> str | None:
    """Why the CRM must not see this event, or None when it may."""
    if isinstance(event, InboundMessage):
        for identity in (event.chat, event.sender):
            if identity.kind in _IRRELEVANT_KINDS:
                return identity.kind
        if event.chat.kind == "invalid":
            return "invalid"
        if event.locked:
            return "locked"
    if isinstance(event, IdentityLink) and event.phone.kind != "user":
        return "invalid"
    return None


def do_count_dropped(org_id, reasons: Counter) -> None:
    with transaction.atomic():
        for reason, count in reasons.items():
            counter, _ = DroppedCount.objects.get_or_create(org_id=org_id, reason=reason)
            DroppedCount.objects.filter(pk=counter.pk).update(count=F("count") + count)
