"""Navigation benchmark: bytes on the wire to reopen a 500-message chat already seen.

    .venv/bin/python benchmarks/navigation.py [--messages 500] [--json]

Going back to a chat should not download its history again: the history partial carries an
ETag and `no-cache`, so the browser revalidates it (304), and the Back button restores
htmx's history snapshot. Headless Chromium signs in, opens the chat (the baseline), goes to
another chat, and comes back by clicking the chat's link and then by Back; a CDP session
counts every byte received (headers and bodies) and every 304. A raw HTTP GET of the
partial with and without If-None-Match shows the floor.
"""

import argparse
import json
import shutil
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import api_client, inbound, session_cookies, setup_label  # noqa: E402
from tests.browser import chromium  # noqa: E402
from tests.procs import Server, all_messages, isolated_env, ponte_init, wait_for  # noqa: E402

LONG_CHAT = ("5531966660001", "Cliente Longa")
OTHER_CHAT = ("5531966660002", "Cliente Curta")


def seed(base: str, made: dict, count: int) -> None:
    """`count` messages from one customer, spread over the last hours, and one from another."""
    run = uuid.uuid4().hex[:8]
    start = time.time() - count * 30
    with httpx.Client(base_url=base, timeout=30) as hooks:
        for n in range(count):
            body = inbound(LONG_CHAT[0], f"mensagem {n:04d} de uma conversa longa",
                           f"NAV{run}{n:05d}", LONG_CHAT[1], when=start + n * 30)
            hooks.post(made["webhook_url"], json=body).raise_for_status()
        hooks.post(made["webhook_url"], json=inbound(
            OTHER_CHAT[0], "outra conversa", f"NAV{run}other", OTHER_CHAT[1])).raise_for_status()


def chat_ids(base: str, made: dict, count: int) -> tuple[int, int]:
    """Both conversations' ids, once every seeded message is stored and visible."""
    with api_client(base, made["api_key"]) as api:
        def ready():
            items = api.get("/api/v1/conversations", params={"limit": 200}).json()["items"]
            found = {c["contact"]["e164"]: c for c in items}
            long, other = found.get("+" + LONG_CHAT[0]), found.get("+" + OTHER_CHAT[0])
            if not (long and other and long["last_message"]["text"].startswith(
                    f"mensagem {count - 1:04d}")):
                return None
            return long["id"], other["id"]

        long_id, other_id = wait_for(ready, timeout=300)
    stored = sum(m["e164"] == "+" + LONG_CHAT[0] for m in all_messages(base, made["api_key"]))
    if stored != count:
        raise RuntimeError(f"expected {count} messages stored, found {stored}")
    return long_id, other_id


class Wire:
    """Every HTTP response the page receives, through the DevTools protocol."""

    def __init__(self, page):
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.requests: dict[str, dict] = {}
        self.wire_status: dict[str, int] = {}
        self.inflight: set[str] = set()
        self.last_activity = time.monotonic()
        for name, handler in (("Network.requestWillBeSent", self._sent),
                              ("Network.responseReceived", self._response),
                              ("Network.responseReceivedExtraInfo", self._wire_status),
                              ("Network.requestServedFromCache", self._from_cache),
                              ("Network.loadingFinished", self._finished),
                              ("Network.loadingFailed", self._failed)):
            self.cdp.on(name, handler)
        self.cdp.send("Network.enable")

    def _touch(self, request_id: str, done: bool = False) -> None:
        self.last_activity = time.monotonic()
        (self.inflight.discard if done else self.inflight.add)(request_id)

    def _sent(self, event: dict) -> None:
        url = urlsplit(event["request"]["url"])
        self.requests[event["requestId"]] = {
            "path": url.path + (f"?{url.query}" if url.query else ""),
            "method": event["request"]["method"], "status": None, "bytes": 0, "cache": False}
        self._touch(event["requestId"])

    def _response(self, event: dict) -> None:
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["status"] = event["response"]["status"]

    def _wire_status(self, event: dict) -> None:
        """The status as it came over the network: a revalidated response shows 200 elsewhere."""
        self.wire_status[event["requestId"]] = event["statusCode"]

    def _from_cache(self, event: dict) -> None:
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["cache"] = True

    def _finished(self, event: dict) -> None:
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["bytes"] = int(event["encodedDataLength"])
        self._touch(event["requestId"], done=True)

    def _failed(self, event: dict) -> None:
        self._touch(event["requestId"], done=True)

    def settle(self, quiet: float = 0.6, timeout: float = 30) -> None:
        """Wait until nothing has been on the wire for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(50)
            if not self.inflight and time.monotonic() - self.last_activity > quiet:
                return
        raise TimeoutError(f"requests still in flight: {self.inflight}")

    def measure(self, action) -> dict:
        """Bytes received for what `action` does to the page, once the page is quiet again."""
        self.settle()
        self.requests = {}
        action()
        self.settle()
        rows = [r | {"status": self.wire_status.get(pk, r["status"])}
                for pk, r in self.requests.items()]
        return {"requests": len(rows), "bytes": sum(r["bytes"] for r in rows),
                "304s": sum(r["status"] == 304 for r in rows),
                "from_cache": sum(r["cache"] for r in rows),
                "on_screen": self.page.locator("#history .msg").count(), "detail": rows}


def raw_get(base: str, path: str, cookies: dict[str, str], etag: str = "") -> dict:
    """One GET over a fresh socket; every byte of the answer, headers included, is counted."""
    host = urlsplit(base).netloc
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "HX-Request: true", "Connection: close",
             "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items())]
    if etag:
        lines.append(f"If-None-Match: {etag}")
    with socket.create_connection((urlsplit(base).hostname, urlsplit(base).port)) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
    return {"requests": 1, "bytes": len(answer), "304s": int(head[0].split()[1] == "304"),
            "status": int(head[0].split()[1]), "etag": headers.get("etag", ""),
            "cache_control": headers.get("cache-control", "")}


def browse(base: str, made: dict, long_id: int, other_id: int, executable: str) -> dict:
    with chromium(executable) as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        wire = Wire(page)
        page.goto(base + "/login/")
        page.fill("input[name=username]", made["owner_email"])
        page.fill("input[name=password]", made["owner_password"])
        page.click("button[type=submit]")
        page.wait_for_selector("#live-state[data-live=live]")
        page.wait_for_selector(f".chat-row[data-conversation-id='{long_id}']")

        def open_chat(chat_id: int):
            def action():
                page.click(f".chat-row[data-conversation-id='{chat_id}']")
                page.wait_for_selector(f"#chat[data-conversation-id='{chat_id}'] #history .msg")
            return action

        def back():
            page.go_back()
            page.wait_for_selector(f"#chat[data-conversation-id='{long_id}'] #history .msg")

        found = {"first open": wire.measure(open_chat(long_id))}
        found["away: other chat"] = wire.measure(open_chat(other_id))
        found["reopen by link"] = wire.measure(open_chat(long_id))
        found["away: other chat again"] = wire.measure(open_chat(other_id))
        found["reopen by Back"] = wire.measure(back)
        context.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500, help="messages in the long chat")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.add_argument("--detail", action="store_true", help="list each request of each step")
    args = parser.parse_args()
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        sys.exit("chromium not found on PATH")

    with tempfile.TemporaryDirectory() as tmp, isolated_env(Path(tmp)) as env:
        made = ponte_init(env, "wppconnect", "Loja")
        with Server(env) as server:
            seed(server.base, made, args.messages)
            long_id, other_id = chat_ids(server.base, made, args.messages)
            found = browse(server.base, made, long_id, other_id, executable)
            cookies = session_cookies(server.base, made["owner_email"], made["owner_password"])
            partial = f"/conversations/{long_id}/history/"
            plain = raw_get(server.base, partial, cookies)
            found["raw GET history partial"] = plain
            found["raw GET history, If-None-Match"] = raw_get(server.base, partial, cookies,
                                                              plain["etag"])
        setup = setup_label(env)

    baseline = found["first open"]["bytes"]
    if args.json:
        print(json.dumps({"setup": setup, "messages": args.messages, "steps": found}, indent=2))
        return
    print(f"chat of {args.messages} messages, {setup}, Chromium via CDP "
          "(bytes = headers + bodies received)")
    print(f"{'step':34} {'requests':>8} {'304s':>5} {'bytes':>9} {'/ first open':>12} "
          f"{'msgs shown':>10}")
    for name, step in found.items():
        shown = step.get("on_screen", "")
        print(f"{name:34} {step['requests']:8d} {step['304s']:5d} {step['bytes']:9,d} "
              f"{step['bytes'] / baseline:12.3f} {shown!s:>10}")
    print(f"raw GET: status {found['raw GET history partial']['status']}, then "
          f"{found['raw GET history, If-None-Match']['status']} with If-None-Match "
          f"(ETag {found['raw GET history partial']['etag'] or 'none'}, "
          f"Cache-Control: {found['raw GET history partial']['cache_control'] or 'none'})")
    if args.detail:
        for name, step in found.items():
            for row in step.get("detail", []):
                print(f"  {name:30} {row['method']:4} {row['status']!s:4} {row['bytes']:8,d}"
                      f"{' (cache)' if row['cache'] else '':8} {row['path']}")


if __name__ == "__main__":
    main()
