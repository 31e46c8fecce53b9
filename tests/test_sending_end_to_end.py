"""A real `ponte serve` talking to the WPPConnect emulator: send, echo, acks, recovery."""

from pathlib import Path

import httpx
import pytest

from emulators.wppconnect import Emulator
from tests.procs import Server, all_messages, isolated_env, ponte_init, wait_for

pytestmark = pytest.mark.slow
SECRET = "e2e-secret-key-0001"



def test_message_sent_through_the_api_reaches_whatsapp_once_and_turns_read(tmp_path):
    with Emulator(secrets=[SECRET], logged_in=True, auto_ack=True) as emulator, \
            isolated_env(tmp_path) as env:
        env = env | {"PONTE_SUPERVISOR_PERIOD_SECONDS": "1", "PONTE_SEND_BACKOFF_SECONDS": "0.2"}
        made = ponte_init(env, "wppconnect", "Loja", "--engine-url", emulator.base_url,
                          "--secret", SECRET)
        emulator.fail_next("send_text", status=504, times=2)
        with Server(env) as server:
            headers = {"Authorization": f"Bearer {made['api_key']}"}
            api = httpx.Client(base_url=server.base, headers=headers, timeout=10)
            wait_for(lambda: api.get("/api/v1/instance").json()["state"] == "connected")
            queued = api.post("/api/v1/messages", json={"to": "(31) 98765-4321",
                                                        "text": "Seu pedido saiu!"})
            assert queued.status_code == 202 and queued.json()["status"] == "pending"
            message_id = queued.json()["id"]
            wait_for(lambda: api.get(f"/api/v1/messages/{message_id}").json()["status"]
                     == "read")
            assert [d["text"] for d in emulator.delivered] == ["Seu pedido saiu!"]
            outbound = [m for m in all_messages(server.base, made["api_key"])
                        if m["direction"] == "out"]
            assert len(outbound) == 1, "the engine's echo was stored as a second message"
            log = api.get("/api/v1/instance/diagnostics", params={"limit": 500}).text
            assert SECRET not in log
        server_log = "".join(p.read_text(errors="replace")
                             for p in Path(env["PONTE_DATA_DIR"]).glob("serve-*.log"))
        for secret in (SECRET, made["api_key"], made["webhook_url"].rsplit("/", 1)[1]):
            assert secret not in server_log



def test_dropped_session_recovers_alone_and_reset_shows_a_fresh_qr(tmp_path):
    alternates = ["e2e-alternate-0002", "e2e-alternate-0003"]
    with Emulator(secrets=[alternates[1]], logged_in=True) as emulator, \
            isolated_env(tmp_path) as env:
        env = env | {"PONTE_SUPERVISOR_PERIOD_SECONDS": "1"}
        made = ponte_init(env, "wppconnect", "Loja", "--engine-url", emulator.base_url,
                          "--secret", SECRET, "--secret", alternates[0],
                          "--secret", alternates[1])
        with Server(env) as server:
            api = httpx.Client(base_url=server.base, timeout=30,
                               headers={"Authorization": f"Bearer {made['api_key']}"})
            wait_for(lambda: api.get("/api/v1/instance").json()["state"] == "connected")
            emulator.set_state("LOGGED_OUT")  # posts status-find: Ponte hears of it at once
            wait_for(lambda: api.get("/api/v1/instance").json()["state"] == "qrcode")
            first = api.get("/api/v1/instance").json()
            assert first["reconnect_attempts"] == 0 and first["qr"]
            emulator.scan_qr()  # the phone reads it: connected again, then reset total
            wait_for(lambda: api.get("/api/v1/instance").json()["state"] == "connected")
            reset = api.post("/api/v1/instance/reset")
            assert reset.status_code == 200
            assert reset.json()["state"] == "qrcode"
            assert reset.json()["qr"] and reset.json()["qr"] != first["qr"]
            every_answer = first | reset.json()
            for secret in (SECRET, *alternates):
                assert secret not in str(every_answer)


def test_messages_queued_while_whatsapp_is_down_wait_quietly_then_go_in_order(tmp_path):
    with Emulator(secrets=[SECRET], whatsapp_reachable=False) as emulator, \
            isolated_env(tmp_path) as env:
        env = env | {"PONTE_SUPERVISOR_PERIOD_SECONDS": "1", "PONTE_SEND_BACKOFF_SECONDS": "0.2"}
        made = ponte_init(env, "wppconnect", "Loja", "--engine-url", emulator.base_url,
                          "--secret", SECRET)
        with Server(env) as server:
            api = httpx.Client(base_url=server.base, timeout=10,
                               headers={"Authorization": f"Bearer {made['api_key']}"})
            # The engine's browser cannot reach WhatsApp Web: it stays INITIALIZING.
            wait_for(lambda: api.get("/api/v1/instance").json()["state"] == "starting")
            texts = ["primeira", "segunda", "terceira"]
            ids = [api.post("/api/v1/messages", json={"to": "(31) 98765-4321", "text": text})
                   .json()["id"] for text in texts]
            seen = len(emulator.requests)
            # Several supervisor periods and hundreds of sender polls go by.
            wait_for(lambda: sum("status-session" in r.path
                                 for r in emulator.requests[seen:]) >= 3)
            tried = [r.path for r in emulator.requests[seen:]
                     if "send-message" in r.path or "check-number-status" in r.path]
            assert tried == [], "the queue called the engine while WhatsApp was down"
            for message_id in ids:
                row = api.get(f"/api/v1/messages/{message_id}").json()
                assert row["status"] == "pending"

            emulator.whatsapp_reachable = True
            emulator.scan_qr()  # posts the connection to Ponte's webhook

            wait_for(lambda: len(emulator.delivered) == 3)
            assert [d["text"] for d in emulator.delivered] == texts
