"""Benchmark: real-time events, against a bare Redis XREAD -> WebSocket relay in the same run.

Against one `agora serve` process (production settings, real PostgreSQL and Redis, its own
relay and event hub) with clients in this process (one WebSocket per subscriber,
graphql-transport-ws, permessage-deflate off), it measures:

- latency: one subscriber to `walletChanged`, `--samples` deposits one after another over
  HTTP; per deposit the time from sending the mutation to the event's arrival, from the
  event's `occurredAt` (set in the use case, before its commit: an upper bound of
  commit-to-client) to its arrival, and from the mutation's answer to the event's arrival;
- fan-out: N subscribers (all to `walletChanged` of one participant, so one deposit concerns
  them all) on one server process; one deposit; the time until all N received it, and the
  spread between the first and the last;
- memory per idle subscription: the server's RSS with N idle subscribers minus before, / N;
- the server's CPU time from the trigger until all N received (its work, where the wall
  time also counts what other processes took from it on a loaded machine).

The baseline, bench/bare_fanout.py, is a minimal Starlette relay (one XREAD BLOCK task, a
queue and a task per socket, no GraphQL, no authentication, no filtering): the same N
clients connect; one XADD; the same times and memory. Ratios are Agora / baseline.

    python bench/fanout.py [--subscribers 1000,10000] [--samples 200]
                           [--database-url URL] [--redis-url URL: its database is flushed]

Needs PostgreSQL and Redis as bench/README.md says; raises this process's open-file limit to
its hard limit (the servers inherit it). Results: stdout and bench/results/fanout.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as redis
import websockets

# isort: split
# Siblings in bench/: running a script puts its own directory first on sys.path.
import harness
import load
import servers
from harness import REPO, RESULTS

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_events"
REDIS_URL = "redis://127.0.0.1:6379/15"
CONNECT_CONCURRENCY = 200
BARE_STREAM = "bench:bare-fanout"  # bare_fanout.STREAM
SUBSCRIBE = json.dumps(
    {
        "id": "w",
        "type": "subscribe",
        "payload": {
            "query": "subscription { walletChanged { cursor occurredAt journalId "
            "wallet { available { amount } } } }"
        },
    }
)
Connect = Callable[[], Awaitable[websockets.ClientConnection]]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    needed = max(args.subscribers) + 500  # per process: the clients here, the sockets there
    if hard < needed:
        print(f"open-file limit {hard} < {needed}: raise it (ulimit -Hn)", file=sys.stderr)
        return 1
    print(f"load average before: {os.getloadavg()}; open files {soft} -> {hard}")
    try:
        import uvloop  # the event loop uvicorn runs on: the clients are not the bottleneck

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    report = runner(run(args))
    harness.write_results(RESULTS / "fanout.json", report)
    print(json.dumps(report, indent=2))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = harness.arguments(__doc__, database_url=DATABASE_URL, redis_url=REDIS_URL)
    parser.add_argument(
        "--subscribers", type=lambda s: [int(n) for n in s.split(",")], default=[1000, 10_000]
    )
    parser.add_argument("--samples", type=int, default=200)
    return parser


async def run(args: argparse.Namespace) -> dict[str, Any]:
    await harness.recreate_database(args.database_url)
    store = redis.Redis.from_url(args.redis_url)
    await store.flushdb()  # streams of an earlier run hold positions the new database reuses
    report: dict[str, Any] = {
        "at": datetime.now().isoformat(timespec="seconds"),
        "load_before": os.getloadavg(),
    }
    with agora_server(args) as agora, bare_server(args) as bare:
        email = f"fanout-{os.getpid()}@bench.example"
        _, token = await asyncio.to_thread(harness.sign_up, agora.base_url, email, ["INVESTOR"])
        report["latency"] = await latency(agora, token, args.samples)
        print("latency", report["latency"], flush=True)
        for n in args.subscribers:
            mine = await fan_out(
                agora, n, lambda: agora_socket(agora, token), lambda: deposit(agora.base_url, token)
            )
            print(f"agora {n}", mine, flush=True)
            theirs = await fan_out(
                bare, n, lambda: bare_socket(bare), lambda: store.xadd(BARE_STREAM, {"event": "{}"})
            )
            print(f"bare {n}", theirs, flush=True)
            report[f"fanout_{n}"] = {
                "agora": mine,
                "bare": theirs,
                "ratio_all_received": round(mine["all_received_ms"] / theirs["all_received_ms"], 2),
                "ratio_spread": round(mine["spread_ms"] / max(theirs["spread_ms"], 0.001), 2),
                "ratio_server_cpu": round(
                    mine["server_cpu_ms"] / max(theirs["server_cpu_ms"], 1), 2
                ),
                "ratio_memory": round(mine["kib_per_subscriber"] / theirs["kib_per_subscriber"], 2),
            }
    await store.aclose()
    report["load_after"] = os.getloadavg()
    return report


# --------------------------------------------------------------------------- servers


@contextmanager
def agora_server(args: argparse.Namespace) -> Iterator[servers.Server]:
    # every client comes from one address and one participant: rate limits off
    env = harness.agora_env(args.database_url, args.redis_url)
    with harness.agora_server(env, "fanout_agora.log") as server:
        yield server


@contextmanager
def bare_server(args: argparse.Namespace) -> Iterator[servers.Server]:
    port = servers.free_port()
    argv = [
        sys.executable,
        str(REPO / "bench" / "bare_fanout.py"),
        "--port",
        str(port),
        "--redis-url",
        args.redis_url,
    ]
    with servers.running(
        "bare relay",
        argv,
        port=port,
        ready_path="/count",
        cwd=REPO,
        log_path=RESULTS / "fanout_bare.log",
    ) as server:
        yield server


def cpu_seconds(server: servers.Server) -> float:
    """The server process's CPU time (user + system) so far: on a loaded machine, the work
    a fan-out costs, which its wall time is not."""
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(server: servers.Server) -> int:
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def subscribers_of(server: servers.Server) -> int:
    if server.name == "agora":
        samples = await asyncio.to_thread(harness.metric_samples, server.base_url)
        return int(harness.metric_sum(samples, "agora_event_subscribers"))
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        return int((await http.get("/count")).json()["subscribers"])


# --------------------------------------------------------------------------- clients


_deposits = iter(range(1, 1 << 30))


async def deposit(base_url: str, token: str) -> str:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        data = await harness.gql_async(
            http,
            'mutation D($k: String!) { deposit(input: {amount: "1.00", currency: "CNY"}, '
            "idempotencyKey: $k) { journalId errors { code } } }",
            {"k": f"fanout-{next(_deposits)}"},
            token,
        )
    assert data["deposit"]["errors"] == [], data
    return str(data["deposit"]["journalId"])


async def agora_socket(server: servers.Server, token: str) -> websockets.ClientConnection:
    url = server.base_url.replace("http", "ws") + "/graphql"
    ws = await websockets.connect(
        url,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        compression=None,
        ping_interval=None,
        max_queue=None,
    )
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    ack = json.loads(await ws.recv())
    assert ack["type"] == "connection_ack", ack
    await ws.send(SUBSCRIBE)
    return ws


async def bare_socket(server: servers.Server) -> websockets.ClientConnection:
    url = server.base_url.replace("http", "ws") + "/ws"
    return await websockets.connect(url, compression=None, ping_interval=None, max_queue=None)


async def latency(server: servers.Server, token: str, samples: int) -> dict[str, Any]:
    ws = await agora_socket(server, token)
    await wait_for_subscribers(server, 1)
    arrivals: dict[str, tuple[float, float, str]] = {}  # journal -> (perf, wall, occurredAt)
    arrived_one = asyncio.Event()

    async def read() -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "next":
                event = message["payload"]["data"]["walletChanged"]
                arrivals[event["journalId"]] = (
                    time.perf_counter(),
                    time.time(),
                    event["occurredAt"],
                )
                arrived_one.set()

    reader = asyncio.create_task(read())
    sent_to_event, occurred_to_event, answer_to_event, mutation = [], [], [], []
    for _ in range(samples):
        sent = time.perf_counter()
        journal = await deposit(server.base_url, token)
        answered = time.perf_counter()
        async with asyncio.timeout(30):  # an event that never comes fails the run
            while journal not in arrivals:
                arrived_one.clear()
                await arrived_one.wait()
        arrived, wall, occurred = arrivals[journal]
        sent_to_event.append(arrived - sent)
        answer_to_event.append(arrived - answered)
        occurred_to_event.append(wall - datetime.fromisoformat(occurred).timestamp())
        mutation.append(answered - sent)
    reader.cancel()
    await ws.close()
    return {
        "samples": samples,
        "sent_to_event_ms": percentiles(sent_to_event),
        "occurred_at_to_event_ms": percentiles(occurred_to_event),
        "answer_to_event_ms": percentiles(answer_to_event),
        "deposit_mutation_ms": percentiles(mutation),
    }


async def fan_out(
    server: servers.Server, n: int, connect: Connect, trigger: Callable[[], Awaitable[Any]]
) -> dict[str, Any]:
    before = rss_kib(server)
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one() -> websockets.ClientConnection:
        async with gate:
            return await connect()

    started = time.perf_counter()
    sockets = await asyncio.gather(*(open_one() for _ in range(n)))
    await wait_for_subscribers(server, n)
    connect_seconds = time.perf_counter() - started
    await asyncio.sleep(2)  # idle: let allocations settle
    idle = rss_kib(server)
    arrivals: list[float] = []

    async def first_message(ws: websockets.ClientConnection) -> None:
        await ws.recv()
        arrivals.append(time.perf_counter())

    waiting = [asyncio.create_task(first_message(ws)) for ws in sockets]
    await asyncio.sleep(0.5)
    cpu_before = cpu_seconds(server)
    fired = time.perf_counter()
    await trigger()
    await asyncio.wait_for(asyncio.gather(*waiting), timeout=120)
    cpu = cpu_seconds(server) - cpu_before
    for ws in sockets:  # a reset, not a close handshake: no TIME_WAIT left on 10k ports
        ws.transport.abort()
    await wait_for_subscribers(server, 0)
    return {
        "subscribers": n,
        "connect_s": round(connect_seconds, 1),
        "all_received_ms": round((max(arrivals) - fired) * 1000, 1),
        "first_received_ms": round((min(arrivals) - fired) * 1000, 1),
        "median_received_ms": round((statistics.median(arrivals) - fired) * 1000, 1),
        "spread_ms": round((max(arrivals) - min(arrivals)) * 1000, 1),
        "server_cpu_ms": round(cpu * 1000),
        "rss_before_mib": round(before / 1024, 1),
        "rss_idle_mib": round(idle / 1024, 1),
        "kib_per_subscriber": round((idle - before) / n, 1),
    }


async def wait_for_subscribers(server: servers.Server, n: int) -> None:
    deadline = time.monotonic() + 120
    while await subscribers_of(server) != n:
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{server.name}: {await subscribers_of(server)} subscribers, not {n}"
            )
        await asyncio.sleep(0.1)


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50": round(statistics.median(ordered) * 1000, 2),
        "p99": round(load.percentile(ordered, 99) * 1000, 2),
        "max": round(ordered[-1] * 1000, 2),
    }


if __name__ == "__main__":
    raise SystemExit(main())
