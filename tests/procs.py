"""Real `ponte` processes for end-to-end tests and benchmarks."""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx

PONTE = [sys.executable, "-m", "ponte"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def isolated_env(data_dir: Path):
    """Environment for a fresh Ponte: its own data dir, and its own PostgreSQL database."""
    env = dict(os.environ, PONTE_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield env
        return
    import psycopg

    name = f"ponte_proc_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    try:
        yield env
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ponte_init(env: dict, engine: str, org: str = "Loja", *extra: str) -> dict:
    out = subprocess.run([*PONTE, "init", "--org", org, "--engine", engine, *extra, "--json"],
                         env=env, check=True, capture_output=True, text=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


class Server:
    """`ponte serve` (or `ponte web` with command="web") on a free port, healthy when started."""

    def __init__(self, env: dict, port: int | None = None, extra_env: dict | None = None,
                 command: str = "serve"):
        self.env = env | (extra_env or {})
        self.command = command
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "Server":
        log = open(Path(self.env["PONTE_DATA_DIR"]) / f"serve-{self.port}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen([*PONTE, self.command, "--port", str(self.port)], env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ponte serve exited with {self.proc.returncode}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("ponte serve did not become healthy")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def all_messages(base: str, api_key: str) -> list[dict]:
    """Every message of every conversation, through the public API."""
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        messages: list[dict] = []
        for chat in every_page(client, "/api/v1/conversations"):
            path = f"/api/v1/conversations/{chat['id']}/messages"
            messages += [m | {"e164": chat["contact"]["e164"]} for m in every_page(client, path)]
    return messages


def proc_stat(pid: int | str) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name: state, parent, …"""
    return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()


def alive(pid: int) -> bool:
    try:
        return proc_stat(pid)[0] != "Z"
    except OSError:
        return False


def worker_processes(pid: int) -> list[int]:
    """The `ponte worker` processes that `ponte serve` (process `pid`) started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int(proc_stat(entry.name)[1])
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and b"worker" in command:
            found.append(int(entry.name))
    return found


def every_page(client: httpx.Client, path: str) -> list[dict]:
    """All the items of an API list, following `next_before`."""
    items: list[dict] = []
    before = None
    while True:
        params = {"limit": 200} | ({"before": before} if before else {})
        page = client.get(path, params=params).json()
        items += page["items"]
        before = page["next_before"]
        if before is None:
            return items


def wait_for(predicate, timeout: float = 60, every: float = 0.2):
    """Poll until `predicate` returns something truthy, and return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("condition not met in time")


def signed_in(base: str, email: str, password: str) -> httpx.Client:
    """An HTTP client holding a browser session, as the sign-in form gives one."""
    client = httpx.Client(base_url=base, timeout=10, follow_redirects=False)
    client.get("/login/")
    answer = client.post("/login/", data={
        "username": email, "password": password,
        "csrfmiddlewaretoken": client.cookies["csrftoken"]}, headers={"Referer": base + "/login/"})
    if answer.status_code != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"sign-in failed: {answer.status_code}")
    return client
