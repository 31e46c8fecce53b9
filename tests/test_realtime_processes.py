"""Live events across processes: `ponte web` and `ponte worker` apart, joined by Redis."""

import asyncio
import json
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import websockets

from tests.procs import PONTE, Server, isolated_env, ponte_init, signed_in
from tests.support import missing_service, wppconnect_text

pytestmark = pytest.mark.slow
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


async def next_event(socket, kind: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        event = json.loads(await asyncio.wait_for(socket.recv(), deadline - time.monotonic()))
        if event["kind"] == kind:
            return event["data"]


def event_after_webhook(server, browser, webhook_url: str, body: dict,
                        kind: str = "messages.new", timeout: float = 20) -> dict:
    """Post `body` while a signed-in tab listens; the first `kind` event the tab hears."""
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())

    async def scenario() -> dict:
        async with websockets.connect(
                f"ws://127.0.0.1:{server.port}/ws/",
                additional_headers={"Cookie": cookie, "Origin": server.base}) as socket:
            await next_event(socket, "hello")
            async with httpx.AsyncClient() as client:
                posted = await client.post(server.base + webhook_url, json=body)
            assert posted.status_code == 200
            return await next_event(socket, kind, timeout)

    return asyncio.run(scenario())


@pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                    reason="separate web and worker processes share PostgreSQL")
def test_a_message_drained_by_the_worker_reaches_a_tab_of_the_web_process(tmp_path):
    if not redis_reachable():
        missing_service(f"Redis at {REDIS_URL}")
    with isolated_env(tmp_path) as env:
        env = env | {"REDIS_URL": REDIS_URL}
        made = ponte_init(env, "wppconnect", "Loja Dividida")
        log = open(Path(env["PONTE_DATA_DIR"]) / "worker.log", "wb")  # noqa: SIM115
        worker = subprocess.Popen([*PONTE, "worker"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            with Server(env, command="web") as web:
                browser = signed_in(web.base, made["owner_email"], made["owner_password"])
                body = wppconnect_text(message_id="SPLIT1", body="do outro processo",
                                       timestamp=int(time.time()))
                event = event_after_webhook(web, browser, made["webhook_url"], body)
                chat_id = event["messages"][0]["conversation_id"]
                history = browser.get(f"/conversations/{chat_id}/history/")
                assert "do outro processo" in history.text
        finally:
            worker.terminate()
            worker.wait(10)


def test_a_socket_without_a_session_or_from_another_site_is_refused(tmp_path):
    with isolated_env(tmp_path) as env:
        made = ponte_init(env, "wppconnect", "Loja")
        with Server(env) as server:
            browser = signed_in(server.base, made["owner_email"], made["owner_password"])
            cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())

            async def close_code(headers: dict) -> int | None:
                async with websockets.connect(f"ws://127.0.0.1:{server.port}/ws/",
                                              additional_headers=headers) as socket:
                    with pytest.raises(websockets.ConnectionClosed) as closed:
                        await asyncio.wait_for(socket.recv(), 5)
                    return closed.value.rcvd.code

            assert asyncio.run(close_code({"Origin": server.base})) == 4401
            with pytest.raises(websockets.InvalidStatus, match="403"):
                asyncio.run(close_code({"Cookie": cookie, "Origin": "http://evil.example"}))
