"""Realtime benchmark: webhook-to-screen latency of an open chat, through a real WebSocket.

    .venv/bin/python benchmarks/realtime.py [--messages 200] [--rate 5] [--json]

The goal is a message on screen within 100 ms at p99 (one process, a few messages a second).
A signed-in client does what realtime.js does in a tab with the chat open: on each
`messages.new` event for it, GET /conversations/<id>/history/?after=<newest id on screen>,
one fetch after another. Per message it times the webhook POST (t0), the event on the socket
(t1), and the fetch that brought its text (t2). Baselines from the same run and server: the
webhook's own round trip (ack) and a WebSocket ping/pong.
"""

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import inbound, ms, session_cookies, setup_label, shown_messages  # noqa: E402
from tests.procs import Server, isolated_env, ponte_init  # noqa: E402

GOAL_MS = 100.0
CUSTOMER = "5531977770001"


class Tab:
    """One open chat fed by the live socket, fetching what it shows as realtime.js does."""

    def __init__(self, base: str, cookies: dict[str, str]):
        self.base = base
        self.cookies = cookies
        self.http = httpx.AsyncClient(base_url=base, cookies=cookies, timeout=10,
                                      headers={"HX-Request": "true"})
        self.chat_id: int | None = None
        self.newest = 0
        self.announced: dict[int, float] = {}   # message id -> when its event arrived
        self.shown: dict[str, tuple[int, float]] = {}  # text -> (message id, when on screen)
        self.fetch_times: list[float] = []
        self.first_event = asyncio.get_running_loop().create_future()
        self.pong: asyncio.Future | None = None
        self.in_order = asyncio.Lock()  # FIFO: fetches run one after another, like the tab's
        self.tasks: set[asyncio.Task] = set()

    async def listen(self, socket) -> None:
        async for raw in socket:
            now = time.perf_counter()
            event = json.loads(raw)
            if event["kind"] == "pong" and self.pong and not self.pong.done():
                self.pong.set_result(now)
            elif event["kind"] == "messages.new":
                mine = False
                for m in event["data"]["messages"]:
                    self.announced.setdefault(m["message_id"], now)
                    if not self.first_event.done():
                        self.first_event.set_result(m["conversation_id"])
                    mine |= m["conversation_id"] == self.chat_id
                if mine:
                    task = asyncio.create_task(self.fetch_new())
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)

    async def open_chat(self, chat_id: int) -> None:
        self.chat_id = chat_id
        response = await self.http.get(f"/conversations/{chat_id}/history/")
        response.raise_for_status()
        self.newest = max(shown_messages(response.text), default=0)

    async def fetch_new(self) -> None:
        async with self.in_order:
            started = time.perf_counter()
            response = await self.http.get(f"/conversations/{self.chat_id}/history/",
                                           params={"after": self.newest})
            now = time.perf_counter()
            response.raise_for_status()
            self.fetch_times.append(now - started)
            for pk, text in shown_messages(response.text).items():
                self.shown.setdefault(text, (pk, now))
                self.newest = max(self.newest, pk)

    async def ping(self, socket) -> float:
        self.pong = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        await socket.send(json.dumps({"kind": "ping"}))
        return await asyncio.wait_for(self.pong, 5) - started


async def measure(base: str, made: dict, args) -> dict:
    cookies = session_cookies(base, made["owner_email"], made["owner_password"])
    run = uuid.uuid4().hex[:8]
    hooks = httpx.AsyncClient(base_url=base, timeout=10)

    async def post(n: int, text: str) -> tuple[float, float]:
        started = time.perf_counter()
        response = await hooks.post(made["webhook_url"],
                                    json=inbound(CUSTOMER, text, f"RT{run}{n:06d}"))
        response.raise_for_status()
        return started, time.perf_counter() - started

    tab = Tab(base, cookies)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), "Origin": base}
    async with connect(base.replace("http://", "ws://") + "/ws/", additional_headers=headers,
                       max_queue=None) as socket:
        hello = json.loads(await socket.recv())
        if hello["kind"] != "hello":
            raise RuntimeError(f"expected hello, got {hello}")
        listener = asyncio.create_task(tab.listen(socket))

        await post(-1, f"oi, abrindo a conversa {run}")
        await tab.open_chat(await asyncio.wait_for(tab.first_event, 30))

        async def round_of(count: int, offset: int) -> tuple[dict, list[float], list[float]]:
            """`count` messages at `rate`, open loop; a ping half way between two of them."""
            sent: dict[str, float] = {}
            acks: list[float] = []
            pings: list[float] = []
            interval = 1 / args.rate
            begin = time.perf_counter()

            async def one(n: int) -> None:
                text = f"bench {run} mensagem {n:05d}"
                started, ack = await post(n, text)
                sent[text] = started
                acks.append(ack)

            tasks = []
            for i in range(count):
                await asyncio.sleep(max(0.0, begin + i * interval - time.perf_counter()))
                tasks.append(asyncio.create_task(one(offset + i)))
                await asyncio.sleep(max(0.0, begin + (i + 0.5) * interval - time.perf_counter()))
                pings.append(await tab.ping(socket))
            await asyncio.gather(*tasks)
            deadline = time.perf_counter() + 10
            while time.perf_counter() < deadline and not set(sent) <= set(tab.shown):
                await asyncio.sleep(0.01)
            return sent, acks, pings

        await round_of(args.warmup, 0)
        tab.fetch_times.clear()
        sent, acks, pings = await round_of(args.messages, args.warmup)
        listener.cancel()
    await hooks.aclose()
    await tab.http.aclose()

    to_event, to_screen, event_to_screen = [], [], []
    missing_event = missing_screen = 0
    for text, t0 in sent.items():
        if text not in tab.shown:
            missing_screen += 1
            continue
        pk, t2 = tab.shown[text]
        to_screen.append(t2 - t0)
        if pk in tab.announced:
            to_event.append(tab.announced[pk] - t0)
            event_to_screen.append(t2 - tab.announced[pk])
        else:
            missing_event += 1
    return {"to_event": to_event, "to_screen": to_screen, "event_to_screen": event_to_screen,
            "acks": acks, "pings": pings, "fetches": tab.fetch_times,
            "missing_event": missing_event, "missing_screen": missing_screen}


def summary(values: list[float]) -> dict:
    return {f"p{q}" if q < 100 else "max": round(ms(values, q), 2) for q in (50, 95, 99, 100)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200, help="messages measured")
    parser.add_argument("--rate", type=float, default=5.0, help="webhooks per second")
    parser.add_argument("--warmup", type=int, default=5, help="messages sent first, not counted")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, isolated_env(Path(tmp)) as env:
        made = ponte_init(env, "wppconnect", "Loja")
        with Server(env) as server:
            found = asyncio.run(measure(server.base, made, args))
        setup = setup_label(env)

    stages = {"ack (webhook POST round trip)": found["acks"],
              "ws ping/pong round trip": found["pings"],
              "webhook -> event on socket (t1-t0)": found["to_event"],
              "event -> text fetched (t2-t1)": found["event_to_screen"],
              "history?after GET alone": found["fetches"],
              "webhook -> on screen (t2-t0)": found["to_screen"]}
    screen_p99 = ms(found["to_screen"], 99)
    report = {
        "setup": setup, "messages": args.messages, "rate_per_s": args.rate,
        "warmup": args.warmup, "stages_ms": {name: summary(v) for name, v in stages.items()},
        "missing_event": found["missing_event"], "missing_screen": found["missing_screen"],
        "ratio_screen_p99_to_ack_p99": round(screen_p99 / ms(found["acks"], 99), 2),
        "ratio_screen_p99_to_ping_p99": round(screen_p99 / ms(found["pings"], 99), 2),
        "goal_ms": GOAL_MS, "goal_met": screen_p99 <= GOAL_MS and not found["missing_screen"],
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"messages={args.messages} rate={args.rate:g}/s warm-up={args.warmup} {setup} "
          "(`ponte serve`: web and worker processes)")
    print(f"{'stage':38} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  (ms)")
    for name, figures in report["stages_ms"].items():
        print(f"{name:38} " + " ".join(f"{v:8.1f}" for v in figures.values()))
    print(f"messages never on screen: {found['missing_screen']}, "
          f"on screen without their own event: {found['missing_event']}")
    print(f"ratio screen p99 / ack p99  : {report['ratio_screen_p99_to_ack_p99']:.2f}")
    print(f"ratio screen p99 / ping p99 : {report['ratio_screen_p99_to_ping_p99']:.2f}")
    print(f"goal: on screen within {GOAL_MS:.0f} ms at p99 -> p99 {screen_p99:.1f} ms: "
          f"{'met' if report['goal_met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
