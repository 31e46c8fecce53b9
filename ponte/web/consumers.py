"""The live connection each signed-in tab keeps open."""

import time
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from ponte import realtime
from ponte.accounts.models import Member
from ponte.desk.presence import FRESH, do_mark_seen
from ponte.web.membership import SESSION_KEY


def same_origin(scope) -> bool:
    """Browsers send cookies on cross-site WebSocket handshakes; only our own pages may connect."""
    headers = dict(scope.get("headers", []))
    origin, host = headers.get(b"origin", b"").decode(), headers.get(b"host", b"").decode()
    return bool(origin) and urlsplit(origin).netloc == host


@database_sync_to_async
def org_id_for(user, chosen) -> int | None:
    memberships = Member.objects.filter(user=user)
    if chosen:
        picked = memberships.filter(org_id=chosen).values_list("org_id", flat=True).first()
        if picked:
            return picked
    return memberships.order_by("org__name").values_list("org_id", flat=True).first()


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Forwards the organization's events ({kind, data}); the page fetches what it shows."""

    group: str | None = None
    seen_at = 0.0

    async def connect(self) -> None:
        if not same_origin(self.scope):
            await self.close()  # refused at the handshake: 403
            return
        user = self.scope.get("user")
        org_id = None
        if user is not None and user.is_authenticated:
            org_id = await org_id_for(user, self.scope["session"].get(SESSION_KEY))
        if org_id is None:
            # Accepted only to say why: a signed-out tab stops reconnecting on 4401.
            await self.accept()
            await self.close(code=4401)
            return
        self.org_id, self.user_id = org_id, user.pk
        await self.mark_seen()
        self.group = realtime.org_group(org_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"kind": "hello", "data": {}})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if content == {"kind": "ping"}:
            await self.send_json({"kind": "pong", "data": {}})
            if self.group and time.monotonic() - self.seen_at >= FRESH.total_seconds():
                await self.mark_seen()

    async def mark_seen(self) -> None:
        """An open tab is a member at the desk (automatic assignment counts who is online)."""
        self.seen_at = time.monotonic()
        await database_sync_to_async(do_mark_seen)(self.org_id, self.user_id)

    async def ponte_event(self, event: dict) -> None:
        await self.send_json({"kind": event["kind"], "data": event["data"]})
