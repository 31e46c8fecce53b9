"""`ponte serve`: the web and the worker in separate processes, one database, one command."""

import os
import signal
import time

import httpx
import pytest

from tests.procs import (
    Server,
    alive,
    isolated_env,
    ponte_init,
    signed_in,
    wait_for,
    worker_processes,
)
from tests.support import wppconnect_text
from tests.test_realtime_processes import REDIS_URL, event_after_webhook, redis_reachable

pytestmark = pytest.mark.slow


def webhook_body(text: str, key: str) -> dict:
    return wppconnect_text(message_id=key, body=text, timestamp=int(time.time()))


@pytest.fixture(params=["datagrams", "redis"])
def serve_env(request, tmp_path):
    """A fresh install, its events carried between processes by datagrams or by Redis."""
    with isolated_env(tmp_path) as env:
        env.pop("REDIS_URL", None)
        if request.param == "redis":
            if not redis_reachable():
                pytest.skip(f"Redis at {REDIS_URL} is not reachable")
            env["REDIS_URL"] = REDIS_URL
        yield env


def test_a_message_the_worker_process_drains_reaches_a_tab_of_the_web_process(serve_env):
    made = ponte_init(serve_env, "wppconnect", "Loja Dois Processos")
    with Server(serve_env) as server:
        assert len(wait_for(lambda: worker_processes(server.proc.pid))) == 1
        browser = signed_in(server.base, made["owner_email"], made["owner_password"])
        event = event_after_webhook(server, browser, made["webhook_url"],
                                    webhook_body("de um processo ao outro", "P1"), timeout=10)
        chat_id = event["messages"][0]["conversation_id"]
        assert "de um processo ao outro" in browser.get(f"/conversations/{chat_id}/history/").text


def test_a_worker_that_dies_is_started_again_and_drains_what_waited(tmp_path):
    with isolated_env(tmp_path) as env:
        made = ponte_init(env, "wppconnect", "Loja Teimosa")
        api = {"Authorization": f"Bearer {made['api_key']}"}
        with Server(env) as server:
            [first] = wait_for(lambda: worker_processes(server.proc.pid))
            os.kill(first, signal.SIGKILL)
            posted = httpx.post(server.base + made["webhook_url"],
                                json=webhook_body("depois da queda", "P2"), timeout=10)
            assert posted.status_code == 200

            [second] = wait_for(lambda: [pid for pid in worker_processes(server.proc.pid)
                                         if pid != first])
            chats = wait_for(lambda: httpx.get(server.base + "/api/v1/conversations",
                                               headers=api).json()["items"])
            messages = httpx.get(f"{server.base}/api/v1/conversations/{chats[0]['id']}/messages",
                                 headers=api).json()["items"]
            assert [m["text"] for m in messages] == ["depois da queda"]
            assert alive(second)


def test_the_worker_stops_when_the_web_process_is_killed(tmp_path):
    with isolated_env(tmp_path) as env:
        ponte_init(env, "wppconnect", "Loja Órfã")
        server = Server(env).start()
        try:
            [worker] = wait_for(lambda: worker_processes(server.proc.pid))
            server.kill()
            wait_for(lambda: not alive(worker), timeout=20)
        finally:
            server.stop()
            if alive(worker):
                os.kill(worker, signal.SIGKILL)

