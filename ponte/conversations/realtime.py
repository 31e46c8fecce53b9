"""Live updates for open tabs, sent only once the change is committed.

Events are handed to the channel layer on the server's own event loop, which
the ASGI app records on its first request: background threads (the inbox
drainer) then publish without spinning up an event loop of their own.
"""

import asyncio
import logging
from collections import defaultdict
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)
_server_loop: asyncio.AbstractEventLoop | None = None


def bind_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    _server_loop = loop


def org_group(org_id) -> str:
    return f"org-{org_id}"


def publish(org_id, kind: str, data: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "ponte.event", "kind": kind, "data": data}
    loop = _server_loop
    try:
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(layer.group_send(org_group(org_id), message), loop)
        else:
            async_to_sync(layer.group_send)(org_group(org_id), message)
    except Exception:  # a realtime hiccup never undoes a stored message
        log.warning("realtime publish failed", exc_info=True)


def publish_on_commit(org_id, kind: str, data: dict[str, Any]) -> None:
    transaction.on_commit(lambda: publish(org_id, kind, data))


def publish_new_messages(messages) -> None:
    """One event per organization for a whole ingest batch, after it committed."""
    by_org: dict[Any, list[dict[str, int]]] = defaultdict(list)
    for message in messages:
        by_org[message.org_id].append({"conversation_id": message.conversation_id,
                                       "message_id": message.pk})
    for org_id, items in by_org.items():
        publish(org_id, "messages.new", {"messages": items})
