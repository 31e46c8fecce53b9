"""`ponte init` without an engine warns, and `ponte engine set` puts the instance right later."""

import subprocess
import uuid

import httpx
import pytest

from emulators import evolution, wppconnect
from tests.procs import PONTE, Server, isolated_env, ponte_init, wait_for

pytestmark = pytest.mark.slow
SECRET = "cli-engine-secret-0001"


def ponte(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PONTE, *args], env=env, capture_output=True, text=True, timeout=120)


def test_init_without_engine_url_warns_and_says_how_to_set_it(tmp_path):
    with isolated_env(tmp_path) as env:
        out = ponte(env, "init", "--org", "Loja", "--engine", "wppconnect")
    assert out.returncode == 0
    assert "no engine settings" in out.stderr and "ponte engine set --url" in out.stderr


def test_engine_set_fixes_an_instance_made_without_engine_url_and_sends_go_out(tmp_path):
    with wppconnect.Emulator(secrets=[SECRET], logged_in=True) as emulator, \
            isolated_env(tmp_path) as env:
        env = env | {"PONTE_SUPERVISOR_PERIOD_SECONDS": "1"}
        made = ponte_init(env, "wppconnect", "Loja")

        out = ponte(env, "engine", "set", "--url", emulator.base_url, "--secret", SECRET)

        assert out.returncode == 0, out.stderr
        assert "changed base_url, secrets" in out.stdout
        assert "session: starting" in out.stdout and SECRET not in out.stdout + out.stderr
        with Server(env) as server:
            api = httpx.Client(base_url=server.base, timeout=10,
                               headers={"Authorization": f"Bearer {made['api_key']}"})
            wait_for(lambda: api.get("/api/v1/instance").json()["state"] == "connected")
            sent = api.post("/api/v1/messages", json={"to": "31 98765-4321", "text": "Oi!"})
            wait_for(lambda: api.get(f"/api/v1/messages/{sent.json()['id']}").json()["status"]
                     != "pending")
        assert [d["text"] for d in emulator.delivered] == ["Oi!"]


def test_engine_set_changes_the_secrets_of_an_evolution_instance(tmp_path):
    with isolated_env(tmp_path) as env:
        made = ponte_init(env, "evolution", "Loja", "--engine-url", "http://127.0.0.1:9",
                          "--secret", "old-apikey")
        session = f"ponte-{uuid.UUID(made['instance_id']).hex}"
        with evolution.Emulator(secrets=[SECRET], instance=session) as emulator:
            out = ponte(env, "engine", "set", "--instance", made["instance_id"],
                        "--url", emulator.base_url, "--secret", SECRET)
            assert out.returncode == 0, out.stderr
            assert "session: connected" in out.stdout
            assert emulator.requests and all(
                r.headers.get("apikey") == SECRET for r in emulator.requests)


@pytest.mark.parametrize("args, says", [
    (("--url", "javascript:alert(1)"), "is not an http:// or https:// address"),
    (("--instance", "not-an-id", "--url", "http://x.example"), "no instance not-an-id"),
])
def test_engine_set_refuses_bad_input_without_a_traceback(tmp_path, args, says):
    with isolated_env(tmp_path) as env:
        ponte_init(env, "wppconnect", "Loja")
        out = ponte(env, "engine", "set", *args)
    assert out.returncode != 0
    assert says in out.stderr and "Traceback" not in out.stderr
