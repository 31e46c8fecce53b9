"""Live updates for open tabs, sent only once the change is committed."""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def org_group(org_id) -> str:
    return f"org-{org_id}"


def publish_on_commit(org_id, kind: str, data: dict[str, Any]) -> None:
    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(org_group(org_id), {"type": "ponte.event",
                                                                 "kind": kind, "data": data})
        except Exception:  # a realtime hiccup never undoes a stored message
            log.warning("realtime publish failed", exc_info=True)

    transaction.on_commit(send)
