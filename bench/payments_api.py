"""Benchmark: payment intents created and paid per second over the API, with a 3-party split.

Each iteration of a client is one sale: the merchant's API key creates a DIRECT intent of
10.00 CNY (`createPaymentIntent`, a fresh idempotency key), then a shopper pays it from the
wallet (`payIntent`): the MDR fee goes to platform revenue and the rest is split 80/15/5
between the merchant, a referrer and the platform, all legs in one transaction. C clients
run this closed loop for --seconds against `agora serve` (production settings, one uvicorn
worker, real PostgreSQL and Redis). The ceiling, in the same run with the same client and
concurrency: `{ __typename }` on the same server, what our HTTP and GraphQL layers cost
before any use case runs. Reports sales/s, and p50/p99 of each mutation and of the sale.
Checks: every answer 200 with `errors: []`, and `agora ledger verify` passes at the end.

    python bench/payments_api.py [--seconds 15] [--clients 8] [--shoppers 32]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

# isort: split
import servers
from autovacuum import autovacuum_on
from transfer import recreate_database

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_payments"
REDIS_URL = "redis://127.0.0.1:6379/10"
JWT_SECRET = base64.urlsafe_b64encode(b"agora-bench-payments-jwt-secret!").decode()
DATA_KEY = base64.urlsafe_b64encode(b"agora-bench-payments-data-key-32").decode()
PASSWORD = "bench horse battery staple"
OPERATOR_EMAIL = "operator@bench-payments.example"

CREATE = ("mutation C($input: CreatePaymentIntentInput!, $key: String!) { "
          "createPaymentIntent(input: $input, idempotencyKey: $key) { "
          "paymentIntent { id } errors { code message } } }")  # fmt: skip
REGISTER = ("mutation R($i: RegisterInput!) { register(input: $i) { "
            "participant { id } errors { code } } }")  # fmt: skip
LOG_IN = ("mutation L($i: LogInInput!) { logIn(input: $i) { "
          "accessToken participant { id } errors { code } } }")  # fmt: skip
RULE = ("mutation S($i: CreateSplitRuleInput!) { createSplitRule(input: $i) { "
        "errors { code } } }")  # fmt: skip
FUND = ("mutation A($i: AdjustWalletInput!, $k: String!) { "
        "adjustWallet(input: $i, idempotencyKey: $k) { errors { code } } }")  # fmt: skip
PAY = ("mutation P($id: ID!, $key: String!) { payIntent(paymentId: $id, idempotencyKey: $key) "
       "{ paymentIntent { state } errors { code message } } }")  # fmt: skip


def percentile(values: Sequence[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))] if ordered else 0.0


async def call(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables},
                                 headers=headers)  # fmt: skip
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body)
    return next(iter(body["data"].values()))


async def person(
    client: httpx.AsyncClient, name: str, roles: list[str], kind: str = "PERSON"
) -> tuple[str, str]:
    email = f"{name}@bench-payments.example"
    await call(client, REGISTER,
               {"i": {"kind": kind, "displayName": name, "email": email, "password": PASSWORD,
                      "roles": roles}})  # fmt: skip
    return await log_in(client, email)


async def log_in(client: httpx.AsyncClient, email: str) -> tuple[str, str]:
    answer = await call(client, LOG_IN,
                        {"i": {"login": email, "password": PASSWORD}})  # fmt: skip
    return answer["participant"]["id"], answer["accessToken"]


async def set_up(client: httpx.AsyncClient, shoppers: int) -> dict[str, Any]:
    _, operator = await log_in(client, OPERATOR_EMAIL)
    merchant_id, merchant = await person(client, "merchant", ["MERCHANT"], "BUSINESS")
    referrer_id, _ = await person(client, "referrer", ["INVESTOR"])
    key = (await call(client, 'mutation { createApiKey(input: {name: "till", scopes: '
                      "[PAYMENTS_READ, PAYMENTS_WRITE]}) { secret errors { code } } }", {},
                      merchant))["secret"]  # fmt: skip
    shares = [{"role": "MERCHANT", "partyId": merchant_id, "percentBps": 8000},
              {"role": "REFERRER", "partyId": referrer_id, "percentBps": 1500},
              {"role": "PLATFORM", "percentBps": 500}]  # fmt: skip
    rule = await call(client, RULE,
                      {"i": {"name": "three ways", "currency": "CNY", "shares": shares,
                             "isDefault": True}}, key)  # fmt: skip
    assert rule["errors"] == [], rule
    tokens = []
    for n in range(shoppers):
        shopper_id, token = await person(client, f"shopper{n}", ["INVESTOR"])
        funded = await call(client, FUND,
                            {"i": {"participantId": shopper_id, "amount": "10000000.00",
                                   "currency": "CNY", "reason": "bench shopper funds"},
                             "k": f"fund-{n}"}, operator)  # fmt: skip
        assert funded["errors"] == [], funded
        tokens.append(token)
    return {"key": key, "shoppers": tokens}


async def sales(
    base_url: str, world: dict[str, Any], *, clients: int, seconds: float, run: str
) -> dict[str, Any]:
    creates: list[float] = []
    pays: list[float] = []
    totals: list[float] = []
    failures: list[str] = []
    stop = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def loop(number: int) -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            shopper = world["shoppers"][number % len(world["shoppers"])]
            while time.perf_counter() < stop:
                n = next(counter)
                started = time.perf_counter()
                try:
                    created = await call(client, CREATE, {"input": {
                        "amount": "10.00", "currency": "CNY", "orderReference": f"{run}-o-{n}",
                        "mode": "DIRECT"}, "key": f"{run}-c-{n}"}, world["key"])  # fmt: skip
                    middle = time.perf_counter()
                    paid = await call(client, PAY, {"id": created["paymentIntent"]["id"],
                                                    "key": f"{run}-p-{n}"}, shopper)  # fmt: skip
                    assert created["errors"] == [], created
                    assert paid["errors"] == [], paid
                    assert paid["paymentIntent"]["state"] == "SUCCEEDED", paid
                except Exception as error:  # every failure is counted and shown
                    failures.append(repr(error)[:300])
                    continue
                done = time.perf_counter()
                creates.append(middle - started)
                pays.append(done - middle)
                totals.append(done - started)

    began = time.perf_counter()
    await asyncio.gather(*(loop(i) for i in range(clients)))
    elapsed = time.perf_counter() - began
    return {
        "sales": len(totals), "seconds": round(elapsed, 2),
        "sales_per_second": round(len(totals) / elapsed, 1),
        "requests_per_second": round(2 * len(totals) / elapsed, 1),
        **{f"{name}_p{p}_ms": round(percentile(values, p) * 1000, 1)
           for name, values in (("create", creates), ("pay", pays), ("sale", totals))
           for p in (50, 99)},
        "failures": len(failures), "failure_samples": failures[:3],
    }  # fmt: skip


async def ceiling(base_url: str, *, clients: int, seconds: float) -> dict[str, Any]:
    """`{ __typename }` with the same client and concurrency: the stack's own cost."""
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def loop() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                await call(client, "query T { __typename }", {})
                latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    return {"requests_per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1)}  # fmt: skip


def agora_env(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ, "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url,
        "AGORA_ENV": "production", "AGORA_LOG_LEVEL": "warning",
        "AGORA_JWT_SECRET": JWT_SECRET, "AGORA_DATA_KEY": DATA_KEY,
        "AGORA_RATE_LIMITS_ENABLED": "false",  # one address sends all the load
    }  # fmt: skip


@contextmanager
def agora_server(args: argparse.Namespace) -> Iterator[servers.Server]:
    port = servers.free_port()
    argv = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--migrate"]
    with servers.running("agora", argv, port=port, ready_path="/readyz",
                         log_path=RESULTS / "payments_api_agora.log", env=agora_env(args),
                         cwd=REPO) as server:  # fmt: skip
        yield server


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--shoppers", type=int, default=32)
    parser.add_argument("--database-url", default=DATABASE_URL)
    parser.add_argument("--redis-url", default=REDIS_URL)
    args = parser.parse_args(argv)
    asyncio.run(recreate_database(args.database_url))
    with autovacuum_on(args.database_url), agora_server(args) as server:
        env = {**agora_env(args), "AGORA_OPERATOR_PASSWORD": PASSWORD}
        create = [sys.executable, "-m", "api.cli", "create-operator", "--email", OPERATOR_EMAIL]
        subprocess.run(create, env=env, cwd=REPO, check=True, capture_output=True)

        async def run() -> dict[str, Any]:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
                world = await set_up(client, args.shoppers)
            await sales(server.base_url, world, clients=args.clients, seconds=3, run="warm")
            top = await ceiling(server.base_url, clients=args.clients, seconds=args.seconds)
            measured = await sales(server.base_url, world, clients=args.clients,
                                   seconds=args.seconds, run="measured")  # fmt: skip
            return {"clients": args.clients, "ceiling_typename": top, "sales": measured}

        report = asyncio.run(run())
    verify_argv = [sys.executable, "-m", "api.cli", "ledger", "verify"]
    verify = subprocess.run(
        verify_argv, env=agora_env(args), cwd=REPO, capture_output=True, text=True, check=False
    )
    report["ledger_verify"] = "consistent" if verify.returncode == 0 else verify.stdout
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "payments_api.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0 if verify.returncode == 0 and report["sales"]["failures"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
