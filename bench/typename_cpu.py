"""Benchmark: CPU per `{ __typename }` request through the whole ASGI app, in-process.

What bench/quote_loan.py measures over HTTP, without the HTTP server and the load
generator, which share the machine's cores with the server there: each request is one
call of the ASGI app (every middleware, routing, the GraphQL view, the schema) with a
ready-made scope and body, timed in this process's CPU time (`time.process_time`: waiting for
a core does not count, so a loaded machine moves the figure little). uvicorn's own share
(parsing HTTP, writing the answer) is the same for both apps and is left out.

    bare     bench/bare_strawberry.py's app: the ceiling
    agora    `agora serve`'s app (production settings, rate limits off as in quote_loan.py)
    apq      the same `{ __typename }` sent as an automatic persisted query (its hash only)

Rounds interleave the apps; the figure is the median over rounds of each round's mean.
For "before", run this script with another checkout's code first on the path:
`PYTHONPATH=/path/to/checkout python bench/typename_cpu.py` (without persisted queries
there, `apq` is left out).

    python bench/typename_cpu.py [--requests 2000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

# Siblings in bench/: running a script puts its own directory first on sys.path.
import harness
from quote_loan import DATABASE_URL, REDIS_URL, TYPENAME_QUERY

App = Callable[..., Awaitable[None]]
TYPENAME_SHA = hashlib.sha256(TYPENAME_QUERY.encode()).hexdigest()
PLAIN = json.dumps({"query": TYPENAME_QUERY, "variables": {}}).encode()
PERSISTED = json.dumps(
    {"variables": {}, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": TYPENAME_SHA}}}
).encode()


def scope_for(body: bytes) -> dict[str, Any]:
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"content-type", b"application/json"),
        (b"accept", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def answer(app: App, body: bytes) -> tuple[int, bytes]:
    """(status, body) of one request."""
    sent: list[dict[str, Any]] = []
    scope = {**scope_for(body), "state": {}}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def cpu_per_request(app: App, body: bytes, requests: int) -> float:
    """Microseconds of this process's CPU per request, over `requests` requests."""
    started = time.process_time()
    for _ in range(requests):
        await answer(app, body)
    return (time.process_time() - started) / requests * 1e6


async def main_async(args: argparse.Namespace) -> int:
    os.environ.update(
        harness.agora_env(args.database_url, args.redis_url, AGORA_RATE_LIMITS_ENABLED="false")
    )
    from bare_strawberry import app as bare_app

    from api.app import app_from_environment

    agora = app_from_environment()
    async with agora.router.lifespan_context(agora):
        await answer(agora, json.dumps({"query": TYPENAME_QUERY, **json.loads(PERSISTED)}).encode())
        scenarios: dict[str, tuple[App, bytes]] = {
            "bare": (bare_app, PLAIN),
            "agora": (agora, PLAIN),
            "apq": (agora, PERSISTED),
        }
        for key, (app, body) in list(scenarios.items()):
            status, text = await answer(app, body)
            if status != 200 or json.loads(text) != {"data": {"__typename": "Query"}}:
                print(f"{key}: HTTP {status} {text[:200]!r}: left out")
                del scenarios[key]
        for app, body in scenarios.values():  # warm up
            await cpu_per_request(app, body, args.requests // 4)
        gc.collect()
        gc.freeze()  # as `agora serve` does once its app is built
        rounds: dict[str, list[float]] = {key: [] for key in scenarios}
        for _ in range(args.rounds):
            for key, (app, body) in scenarios.items():
                rounds[key].append(await cpu_per_request(app, body, args.requests))
    ceiling = statistics.median(rounds["bare"])
    print(f"{'scenario':10} {'µs CPU/request':>15} {'bare/this':>10}   rounds")
    for key, values in rounds.items():
        median = statistics.median(values)
        spread = " ".join(f"{v:.0f}" for v in values)
        print(f"{key:10} {median:15.1f} {ceiling / median:10.3f}   {spread}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per round and scenario")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database-url", default=DATABASE_URL)
    parser.add_argument("--redis-url", default=REDIS_URL)
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
