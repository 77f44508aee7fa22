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

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

import httpx

# isort: split
# Siblings in bench/: running a script puts its own directory first on sys.path.
import harness
import load
from harness import RESULTS

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_payments"
REDIS_URL = "redis://127.0.0.1:6379/10"
OPERATOR_EMAIL = "operator@bench-payments.example"

CREATE = (
    "mutation C($input: CreatePaymentIntentInput!, $key: String!) { "
    "createPaymentIntent(input: $input, idempotencyKey: $key) { "
    "paymentIntent { id } errors { code message } } }"
)
API_KEY = (
    'mutation { createApiKey(input: {name: "till", scopes: '
    "[PAYMENTS_READ, PAYMENTS_WRITE]}) { secret errors { code } } }"
)
RULE = "mutation S($i: CreateSplitRuleInput!) { createSplitRule(input: $i) { errors { code } } }"
FUND = (
    "mutation A($i: AdjustWalletInput!, $k: String!) { "
    "adjustWallet(input: $i, idempotencyKey: $k) { errors { code } } }"
)
PAY = (
    "mutation P($id: ID!, $key: String!, $cover: ID) { payIntent(paymentId: $id, "
    "idempotencyKey: $key, returnShippingProductId: $cover) "
    "{ paymentIntent { state } errors { code message } } }"
)
PAID = {"DIRECT": "SUCCEEDED", "ESCROW": "HELD"}


async def call(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str = ""
) -> Any:
    """The answer's one field of `data`; raises on any error but the payload's own."""
    return next(iter((await harness.gql_async(client, query, variables, token)).values()))


def set_up(base_url: str, shoppers: int) -> dict[str, Any]:
    operator = harness.log_in(base_url, OPERATOR_EMAIL)
    merchant_id, merchant = harness.sign_up(
        base_url,
        "merchant@bench-payments.example",
        ["MERCHANT"],
        kind="BUSINESS",
        display_name="merchant",
    )
    referrer_id, _ = harness.sign_up(
        base_url, "referrer@bench-payments.example", ["INVESTOR"], display_name="referrer"
    )
    key = harness.call(base_url, API_KEY, {}, "createApiKey", merchant)["secret"]
    shares = [
        {"role": "MERCHANT", "partyId": merchant_id, "percentBps": 8000},
        {"role": "REFERRER", "partyId": referrer_id, "percentBps": 1500},
        {"role": "PLATFORM", "percentBps": 500},
    ]
    harness.call(
        base_url,
        RULE,
        {"i": {"name": "three ways", "currency": "CNY", "shares": shares, "isDefault": True}},
        "createSplitRule",
        key,
    )
    tokens = []
    for n in range(shoppers):
        shopper_id, token = harness.sign_up(
            base_url, f"shopper{n}@bench-payments.example", ["INVESTOR"], display_name=f"shopper{n}"
        )
        harness.call(
            base_url,
            FUND,
            {
                "i": {
                    "participantId": shopper_id,
                    "amount": "10000000.00",
                    "currency": "CNY",
                    "reason": "bench shopper funds",
                },
                "k": f"fund-{n}",
            },
            "adjustWallet",
            operator,
        )
        tokens.append(token)
    return {"key": key, "shoppers": tokens, "merchant_id": merchant_id}


async def sales(
    base_url: str,
    world: dict[str, Any],
    *,
    clients: int,
    seconds: float,
    run: str,
    mode: str = "DIRECT",
    cover: str | None = None,
    merchant_cover: str | None = None,
) -> dict[str, Any]:
    """Sales in a closed loop: DIRECT (or ESCROW: held until receipt), each paid with the
    return-shipping `cover` product when one is given, or created with the merchant's own
    `merchant_cover` (its premium from the merchant's wallet when the shopper pays)."""
    insured = {"returnShippingProductId": merchant_cover} if merchant_cover else {}
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
                    created = await call(
                        client,
                        CREATE,
                        {
                            "input": {
                                "amount": "10.00",
                                "currency": "CNY",
                                "orderReference": f"{run}-o-{n}",
                                "mode": mode,
                                **insured,
                            },
                            "key": f"{run}-c-{n}",
                        },
                        world["key"],
                    )
                    middle = time.perf_counter()
                    paid = await call(
                        client,
                        PAY,
                        {
                            "id": created["paymentIntent"]["id"],
                            "key": f"{run}-p-{n}",
                            "cover": cover,
                        },
                        shopper,
                    )
                    assert created["errors"] == [], created
                    assert paid["errors"] == [], paid
                    assert paid["paymentIntent"]["state"] == PAID[mode], paid
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
        "sales": len(totals),
        "seconds": round(elapsed, 2),
        "sales_per_second": round(len(totals) / elapsed, 1),
        "requests_per_second": round(2 * len(totals) / elapsed, 1),
        **{
            f"{name}_p{p}_ms": round(load.percentile(values, p) * 1000, 1)
            for name, values in (("create", creates), ("pay", pays), ("sale", totals))
            for p in (50, 99)
        },
        "failures": len(failures),
        "failure_samples": failures[:3],
    }


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
    return {
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(load.percentile(latencies, 99) * 1000, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.arguments(__doc__, database_url=DATABASE_URL, redis_url=REDIS_URL)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--shoppers", type=int, default=32)
    args = parser.parse_args(argv)
    with harness.fresh_agora(args, "payments_api_agora.log") as (server, env):
        harness.create_operator(env, OPERATOR_EMAIL)
        world = set_up(server.base_url, args.shoppers)

        async def run() -> dict[str, Any]:
            await sales(server.base_url, world, clients=args.clients, seconds=3, run="warm")
            top = await ceiling(server.base_url, clients=args.clients, seconds=args.seconds)
            measured = await sales(
                server.base_url, world, clients=args.clients, seconds=args.seconds, run="measured"
            )
            return {"clients": args.clients, "ceiling_typename": top, "sales": measured}

        report = asyncio.run(run())
    verified, verify_output = harness.ledger_verify(args.database_url)
    report["ledger_verify"] = "consistent" if verified else verify_output
    harness.write_results(RESULTS / "payments_api.json", report)
    print(json.dumps(report, indent=2))
    return 0 if verified and report["sales"]["failures"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
