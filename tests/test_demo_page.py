"""Pages a person signs in to and reads, in a real headless Chromium."""

import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.browser import chromium, click_until, sign_in
from tests.procs import PONTE, Server, free_port, isolated_env, ponte_init

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def start_demo(env: dict, port: int) -> subprocess.Popen:
    log = open(Path(env["PONTE_DATA_DIR"]) / "demo.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([*PONTE, "demo", "--port", str(port), "--no-simulator"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("ponte demo did not start")



def test_demo_serves_an_inbox_with_the_seeded_conversations(tmp_path, chromium_path):
    port = free_port()
    with isolated_env(tmp_path) as env:
        proc = start_demo(env, port)
        try:
            with chromium(chromium_path) as browser:
                page = browser.new_page()
                sign_in(page, f"http://127.0.0.1:{port}", "demo@ponte.local", "demo-ponte")
                page.wait_for_selector("text=Ana Souza")
                assert page.locator(".chat-row").count() == 4
                assert "motor de WhatsApp simulado" in page.locator(".demo-banner").inner_text()
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "demo-inbox.png"), full_page=True)
                page.click("nav a:has-text('Leads')")
                page.wait_for_function(  # the worker scores the seeded chats after start
                    "() => document.querySelectorAll('.lead-row:not([data-score=\"\"])')"
                    ".length == 4",
                    timeout=30000)
                assert page.locator(".lead-row .lead-name").all_inner_texts() == [
                    "Carla Mendes", "Ana Souza", "Bruno Lima", "Diego Rocha"]
                page.screenshot(path=str(ARTIFACTS / "demo-leads.png"), full_page=True)
        finally:
            proc.terminate()
            proc.wait(10)
        said = (Path(env["PONTE_DATA_DIR"]) / "demo.log").read_text().splitlines()
        assert said[0].startswith("Preparing the demo database"), "the first seconds are silent"


@pytest.mark.parametrize("hostile", ["<img src=x onerror=alert(1)>",
                                     "<script>alert('x')</script>"])
def test_hostile_message_text_shows_as_text(tmp_path, chromium_path, hostile):
    with isolated_env(tmp_path) as env:
        made = ponte_init(env, "wppconnect")
        with Server(env) as server, chromium(chromium_path) as browser:
            body = {"event": "onmessage", "id": "false_5531987654321@c.us_HOSTILE",
                    "body": hostile, "type": "chat", "t": 1767225600,
                    "from": "5531987654321@c.us", "to": "5511988880000@c.us", "fromMe": False,
                    "chatId": "5531987654321@c.us", "notifyName": hostile}
            assert httpx.post(server.base + made["webhook_url"], json=body).status_code == 200
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            sign_in(page, server.base, made["owner_email"], made["owner_password"])
            page.wait_for_selector(".chat-row", timeout=10_000)
            click_until(page, ".chat-row", ".msg")
            assert page.locator(".msg").first.inner_text().startswith(hostile)
            assert page.locator(".msg img, .msg script").count() == 0
            page.goto(server.base + "/leads/")
            page.wait_for_selector(".lead-row")
            assert page.locator(".lead-name").inner_text() == hostile
            assert page.locator(".lead-row img, .lead-row script").count() == 0
            page.wait_for_timeout(300)
            assert dialogs == []
