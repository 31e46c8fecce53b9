"""Realtime events reach subscribers through the configured channel layer (real Redis)."""

import asyncio
import os

import pytest
import redis
from channels.layers import get_channel_layer
from django.test import override_settings

from ponte import realtime
from tests.support import missing_service

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_layer():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        missing_service(f"Redis is not reachable at {REDIS_URL}")
    layers = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                          "CONFIG": {"hosts": [REDIS_URL], "prefix": f"ponte-test-{os.getpid()}"}}}
    with override_settings(CHANNEL_LAYERS=layers):
        yield get_channel_layer()


def test_published_event_reaches_a_tab_subscribed_through_redis(redis_layer):
    async def scenario():
        channel = await redis_layer.new_channel()
        await redis_layer.group_add(realtime.org_group("org-1"), channel)
        await asyncio.to_thread(realtime.publish, "org-1", "messages.new",
                                {"messages": [{"conversation_id": 7, "message_id": 9}]})
        received = await asyncio.wait_for(redis_layer.receive(channel), timeout=5)
        await redis_layer.group_discard(realtime.org_group("org-1"), channel)
        return received

    received = asyncio.run(scenario())
    assert received["kind"] == "messages.new"
    assert received["data"]["messages"] == [{"conversation_id": 7, "message_id": 9}]


def test_another_organization_does_not_receive_the_event(redis_layer):
    async def scenario():
        channel = await redis_layer.new_channel()
        await redis_layer.group_add(realtime.org_group("org-2"), channel)
        await asyncio.to_thread(realtime.publish, "org-1", "messages.new", {"messages": []})
        try:
            await asyncio.wait_for(redis_layer.receive(channel), timeout=0.5)
        except TimeoutError:
            return None
        return "leaked"

    assert asyncio.run(scenario()) is None
