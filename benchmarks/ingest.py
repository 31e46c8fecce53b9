"""Ingest benchmark: webhooks into a real `ponte serve`, beside a no-op endpoint of it.

    ./dev bench [--n 10000] [--concurrency 32]

A message counts once it is stored and visible through the REST API, not when it is
acknowledged. Prints messages per second, ack latency p50/p99, peak server memory,
and each as a ratio to the no-op endpoint measured in the same run.
"""

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests import procs  # noqa: E402
from tests.procs import PONTE, Server, all_messages, isolated_env, ponte_init  # noqa: E402

CONTACTS = 100


def body(n: int) -> dict:
    phone = f"55319{87650000 + n % CONTACTS:08d}"
    return {"event": "onmessage", "id": f"false_{phone}@c.us_BENCH{n:07d}",
            "body": f"mensagem {n}", "type": "chat", "t": 1767225600 + n,
            "from": f"{phone}@c.us", "to": "5511988880000@c.us", "fromMe": False,
            "isGroupMsg": False, "chatId": f"{phone}@c.us", "notifyName": "Cliente",
            "timestamp": 1767225600 + n}


class Connection:
    """A minimal keep-alive HTTP/1.1 client: httpx's own overhead would dwarf the server's."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, payload: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
        self.writer.write(head.encode() + payload)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def blast(base: str, path: str, total: int, concurrency: int,
                ) -> tuple[list[float], float, int]:
    """Post `total` bodies with `concurrency` senders; returns latencies, seconds, failures."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    failures = 0
    numbers = iter(range(total))

    async def sender() -> None:
        nonlocal failures
        connection = Connection(host, int(port))
        for n in numbers:
            payload = json.dumps(body(n)).encode()
            started = time.perf_counter()
            status = await connection.post(path, payload)
            latencies.append(time.perf_counter() - started)
            failures += status != 200
        await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started, failures


def all_visible(base: str, api_key: str, total: int) -> bool:
    """Each contact's newest message is the last one posted for it."""
    last = {f"+55319{87650000 + c:08d}": max(n for n in range(total) if n % CONTACTS == c)
            for c in range(min(CONTACTS, total))}
    response = httpx.get(base + "/api/v1/conversations", params={"limit": 200},
                         headers={"Authorization": f"Bearer {api_key}"}, timeout=30)
    seen = {c["contact"]["e164"]: c["last_message"]["text"] for c in response.json()["items"]}
    return all(seen.get(e164) == f"mensagem {n}" for e164, n in last.items())


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=0,
                        help="extra `ponte worker` processes (PostgreSQL only)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, isolated_env(Path(tmp)) as env:
        made = ponte_init(env, "wppconnect", org="Bench")
        workers = [subprocess.Popen([*PONTE, "worker"], env=env, stdout=subprocess.DEVNULL)
                   for _ in range(args.workers)]
        with Server(env, extra_env={"PONTE_NOOP_ENDPOINT": "1"}) as server:
            asyncio.run(blast(server.base, "/bench/noop", 500, args.concurrency))  # warm-up
            noop_lat, noop_secs, noop_fail = asyncio.run(
                blast(server.base, "/bench/noop", args.n, args.concurrency))

            profiler = None
            if os.environ.get("PONTE_BENCH_PROFILE"):
                profiler = subprocess.Popen(
                    ["py-spy", "record", "-f", "speedscope",
                     "-o", os.environ["PONTE_BENCH_PROFILE"],
                     "--threads", "--gil", "--subprocesses", "-p", str(server.proc.pid)])
            started = time.perf_counter()
            hook_lat, ack_secs, hook_fail = asyncio.run(
                blast(server.base, made["webhook_url"], args.n, args.concurrency))
            while not all_visible(server.base, made["api_key"], args.n):
                time.sleep(0.05)
            stored_secs = time.perf_counter() - started
            rss_web = peak_rss_mb(server.proc.pid)
            rss_worker = sum(peak_rss_mb(pid) for pid in procs.worker_processes(server.proc.pid))
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)
                profiler.wait()
            messages = all_messages(server.base, made["api_key"])
        for worker in workers:
            worker.terminate()
            worker.wait(10)

    texts = [m["text"] for m in messages]
    noop_rps = args.n / noop_secs
    msg_rate = args.n / stored_secs
    print(f"messages={args.n} concurrency={args.concurrency} extra workers={args.workers} "
          f"database={'postgresql' if 'DATABASE_URL' in env else 'sqlite'}")
    print(f"no-op endpoint     : {noop_rps:8.0f} req/s  p50 {pct(noop_lat, 50):6.1f} ms  "
          f"p99 {pct(noop_lat, 99):6.1f} ms  failures {noop_fail}")
    print(f"webhook ack        : {args.n / ack_secs:8.0f} req/s  p50 {pct(hook_lat, 50):6.1f} ms  "
          f"p99 {pct(hook_lat, 99):6.1f} ms  failures {hook_fail}")
    print(f"stored and visible : {msg_rate:8.0f} msg/s  ({stored_secs:.1f} s for all)")
    print(f"ratio processed msg/s / no-op req/s : {msg_rate / noop_rps:.2f}  (aim >= 0.5)")
    print(f"ratio ack p99 / no-op p99           : "
          f"{pct(hook_lat, 99) / pct(noop_lat, 99):.2f}  (aim <= 1.5)")
    print(f"stored exactly once : {len(texts) == args.n and len(set(texts)) == args.n} "
          f"({len(texts)} rows, {len(set(texts))} distinct)")
    print(f"server peak RSS     : {rss_web + rss_worker:.0f} MB  (web {rss_web:.0f}, "
          f"worker {rss_worker:.0f}; aim < 150 each)")


if __name__ == "__main__":
    main()
