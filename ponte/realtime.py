"""Live updates for open tabs, sent only once the change is committed.

Events are handed to the channel layer on the server's own event loop, which
the ASGI application records when it starts: background threads (the inbox
drainer, the sender) then publish without spinning up an event loop of their own.
In a worker process with no shared channel layer (the default, without Redis),
events go to the web process as nudges, and the web process publishes them.
"""

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from ponte import nudges

log = logging.getLogger(__name__)
_server_loop: asyncio.AbstractEventLoop | None = None
_in_worker_process = False


def bind_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    _server_loop = loop


def publish_from_worker_process() -> None:
    """Called by `ponte worker`: the tabs it publishes to are connected elsewhere."""
    global _in_worker_process
    _in_worker_process = True


def shared_layer() -> bool:
    """Whether every process sees the same channel layer (Redis), so no relay is needed."""
    return not isinstance(get_channel_layer(), InMemoryChannelLayer)


def relay_from_worker() -> nudges.Listener:
    """In the web process: publish what the worker process hands over."""
    return nudges.Listener(nudges.WEB, lambda event: publish(
        event["org"], event["kind"], event["data"])).start()


def org_group(org_id) -> str:
    return f"org-{org_id}"


def publish(org_id, kind: str, data: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if _in_worker_process and not shared_layer():
        nudges.send(nudges.WEB, {"org": str(org_id), "kind": kind, "data": data})
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
