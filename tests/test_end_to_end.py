"""Real processes: `ponte init` + `ponte serve`, fixtures posted over HTTP, SIGKILL mid-load."""

import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from emulators import cloudapi
from tests.procs import Server, all_messages, isolated_env, ponte_init, wait_for
from tests.support import addressed_to, load_fixture, session_of_webhook, webhook_fixtures

pytestmark = pytest.mark.slow
APP_SECRET = "meta-app-secret"  # the Cloud API checks it; the other engines ignore it



@pytest.mark.parametrize("engine", ["wppconnect", "evolution", "cloudapi"])
def test_fixtures_posted_to_a_running_server_appear_once_through_the_api(tmp_path, engine):
    with isolated_env(tmp_path) as env:
        made = ponte_init(env, engine, "Loja", "--app-secret", APP_SECRET)
        session = session_of_webhook(made["webhook_url"])
        with Server(env) as server, httpx.Client(base_url=server.base, timeout=30) as client:
            def post_all() -> None:
                for path in webhook_fixtures(engine):
                    body = json.dumps(addressed_to(load_fixture(path), session)).encode()
                    response = client.post(made["webhook_url"], content=body, headers={
                        "Content-Type": "application/json",
                        "X-Hub-Signature-256": cloudapi.sign(body, APP_SECRET)})
                    assert response.status_code == 200, (path.name, response.text)

            post_all()
            first = wait_for(lambda: all_messages(server.base, made["api_key"]))
            time.sleep(1.0)
            first = all_messages(server.base, made["api_key"])
            for message in first:
                assert message["e164"] is None or message["e164"].startswith("+")
            post_all()
            time.sleep(1.5)
            assert all_messages(server.base, made["api_key"]) == first
        if "DATABASE_URL" not in env:
            with sqlite3.connect(tmp_path / "ponte.sqlite3") as db:
                assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def onmessage(n: int) -> dict:
    phone = f"55319{87650000 + n % 50:08d}"
    return {"event": "onmessage", "id": f"false_{phone}@c.us_KILL{n:06d}",
            "body": f"mensagem {n}", "type": "chat", "t": 1767225600 + n, "from": f"{phone}@c.us",
            "to": "5511988880000@c.us", "fromMe": False, "isGroupMsg": False,
            "chatId": f"{phone}@c.us", "notifyName": "Cliente", "timestamp": 1767225600 + n}


def test_sigkill_during_load_loses_no_acknowledged_message_and_stores_none_twice(tmp_path):
    total = 2000
    with isolated_env(tmp_path) as env:
        made = ponte_init(env, "wppconnect")
        server = Server(env).start()
        acked: set[int] = set()
        killed_after = 600

        def send(n: int) -> None:
            try:
                response = httpx.post(server.base + made["webhook_url"], json=onmessage(n),
                                      timeout=10)
            except httpx.HTTPError:
                return
            if response.status_code == 200:
                acked.add(n)

        with ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(send, n) for n in range(total)]
            wait_for(lambda: len(acked) >= killed_after, timeout=120, every=0.01)
            server.kill()
            for future in futures:
                future.result()
        assert killed_after <= len(acked) < total

        with Server(env, port=server.port):
            def stored() -> list[dict]:
                messages = all_messages(server.base, made["api_key"])
                return messages if len(messages) >= len(acked) else []

            wait_for(stored, timeout=120, every=0.5)
            time.sleep(1.0)
            numbers = [int(m["text"].split()[1]) for m in all_messages(server.base,
                                                                       made["api_key"])]
        assert len(numbers) == len(set(numbers)), "a message was stored twice"
        assert acked <= set(numbers), "an acknowledged message was lost"
