"""A member with a tab open is at the desk: the live connection keeps them online for
automatic assignment, as their pages do."""

import json

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from ponte.accounts.models import Member
from ponte.web.consumers import LiveConsumer


@pytest.mark.django_db(transaction=True)
def test_opening_the_live_connection_and_its_pings_keep_a_member_online(make_tenant):
    tenant = make_tenant()
    member = Member.objects.select_related("user").get(org=tenant.org)
    Member.objects.filter(pk=member.pk).update(last_seen_at=None)
    scope = {"type": "websocket", "path": "/ws/", "headers": [
        (b"origin", b"http://testserver"), (b"host", b"testserver")],
        "user": member.user, "session": {}, "subprotocols": []}

    async def connect_and_ping() -> list[str]:
        tab = ApplicationCommunicator(LiveConsumer.as_asgi(), scope)
        await tab.send_input({"type": "websocket.connect"})
        heard = [(await tab.receive_output(5))["type"]]
        heard.append(json.loads((await tab.receive_output(5))["text"])["kind"])
        await tab.send_input({"type": "websocket.receive", "text": '{"kind":"ping"}'})
        heard.append(json.loads((await tab.receive_output(5))["text"])["kind"])
        await tab.send_input({"type": "websocket.disconnect", "code": 1000})
        await tab.wait(5)
        return heard

    assert async_to_sync(connect_and_ping)() == ["websocket.accept", "hello", "pong"]
    assert Member.objects.get(pk=member.pk).last_seen_at is not None
