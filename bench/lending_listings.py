"""Listings per second end to end through the API, with 1,000 open bank offers.

Starts `agora serve` on a fresh database (`agora_bench_lending`), then, as clients would:
an operator defines a product; ten partner banks post 1,000 funding offers through their API
keys (rate floors 4.00 %..8.99 %; a bank funds at most 2,000.00 of one loan); borrowers
register, pass KYC and apply (each once: the velocity rules would review a second).
Measured: `acceptLoanOffer` for every approved application, from `--clients` concurrent
clients. Each listing matches its loan against the open offers (the engine reads all
1,000), locks the chosen offers in id order, holds the bank's funds, persists the matches
and their events, and - the loan being fully funded - captures the holds, disburses and
writes the 12-installment schedule, in one transaction. The same-run ceiling is the
cheapest authenticated request of the same API (`{ loanProducts { id } }`) at the same
concurrency.

    .venv/bin/python bench/lending_listings.py     # ~4 min; --borrowers 200 --clients 8
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cpu
import harness
import servers
from harness import call, log_in

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_lending"
REDIS_URL = os.environ.get("AGORA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
OPERATOR_EMAIL = "operator@bench-lending.example"
BANKS = 10

PRODUCT = """mutation($i: LoanProductInput!) { createLoanProduct(input: $i) { product { id }
  errors { code message } } }"""
GRANT = """mutation($id: ID!) { grantRole(participantId: $id, role: PARTNER_BANK) {
  errors { code } } }"""
KEY = """mutation { createApiKey(input: {name: "bench", scopes: [OFFERS_WRITE, OFFERS_READ]}) {
  secret errors { code } } }"""
OFFER = """mutation($i: FundingOfferInput!, $k: String!) { createFundingOffer(input: $i,
  idempotencyKey: $k) { offer { id } errors { code message } } }"""
APPLY = """mutation($i: ApplyForLoanInput!) { applyForLoan(input: $i) {
  application { id status } errors { code message } } }"""
ACCEPT = """mutation($id: ID!, $k: String!) { acceptLoanOffer(applicationId: $id,
  idempotencyKey: $k) { loan { state committed { amount } } errors { code message } } }"""
CEILING = "query { loanProducts { id } }"


def set_up(url: str, env: dict[str, str], borrowers: int, offers: int) -> list[tuple[str, str]]:
    """The product, the bank's offers, and (borrower token, approved application id)s."""
    harness.create_operator(env, OPERATOR_EMAIL)
    operator = log_in(url, OPERATOR_EMAIL)
    product = call(
        url,
        PRODUCT,
        {
            "i": {
                "code": "BENCH",
                "name": "Bench loan",
                "currency": "CNY",
                "minAmount": "1000.00",
                "maxAmount": "50000.00",
                "minTermMonths": 3,
                "maxTermMonths": 24,
                "repaymentMethod": "EQUAL_INSTALLMENT",
                "minRate": "0.05",
                "maxRate": "0.24",
                "fundingChannels": ["BANK_OFFERS"],
            }
        },
        "createLoanProduct",
        operator,
    )
    keys = []
    for n in range(BANKS):  # a bank funds at most max_amount of one loan, over all its offers
        email = f"bank{n}@bench-lending.example"
        bank_id, _ = harness.sign_up(url, email, ["INVESTOR"], kind="BUSINESS")
        call(url, GRANT, {"id": bank_id}, "grantRole", operator)
        keys.append(call(url, KEY, {}, "createApiKey", log_in(url, email))["secret"])

    def offer(n: int) -> None:
        call(
            url,
            OFFER,
            {
                "i": {
                    "currency": "CNY",
                    "capacity": "10000000.00",
                    "rateFloor": f"0.0{4 + n % 5}{n % 100:02d}",
                    "grades": ["A", "B", "C", "D", "E"],
                    "minTermMonths": 3,
                    "maxTermMonths": 24,
                    "minAmount": "100.00",
                    "maxAmount": "2000.00",
                },
                "k": f"offer-{n}",
            },
            "createFundingOffer",
            keys[n % BANKS],
        )

    def borrower(n: int) -> tuple[str, str]:
        _, token = harness.sign_up(url, f"borrower{n}@bench-lending.example", ["BORROWER"])
        harness.pass_kyc(url, token, operator, n, legal_name="韩梅梅")
        applied = call(
            url,
            APPLY,
            {
                "i": {
                    "productId": product["product"]["id"],
                    "amount": "10000.00",
                    "currency": "CNY",
                    "termMonths": 12,
                    "purpose": "bench",
                    "declaredMonthlyIncome": "30000.00",
                }
            },
            "applyForLoan",
            token,
        )
        assert applied["application"]["status"] == "APPROVED", applied
        return token, applied["application"]["id"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(offer, range(offers)))
        return list(pool.map(borrower, range(1, borrowers + 1)))


Loop = tuple[float, list[float], list[dict[str, Any]]]  # seconds, latencies, answers


async def closed_loop(
    url: str, clients: int, jobs: list[tuple[str, dict[str, Any], str | None]]
) -> Loop:
    """Send every job from `clients` concurrent connections; (seconds, latencies, bodies)."""
    queue = list(reversed(jobs))
    latencies: list[float] = []
    bodies: list[dict[str, Any]] = []

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            while queue:
                query, variables, token = queue.pop()
                headers = {"authorization": f"Bearer {token}"} if token else {}
                started = time.perf_counter()
                response = await http.post(
                    "/graphql", json={"query": query, "variables": variables}, headers=headers
                )
                latencies.append(time.perf_counter() - started)
                bodies.append(response.json())

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - started, latencies, bodies


def measured(
    server: servers.Server, load: Coroutine[Any, Any, Loop]
) -> tuple[float, list[float], list[dict[str, Any]], tuple[float, float]]:
    """Run `load`; its results and (Agora's CPU seconds, other work's share of the cores)."""
    pid = server.process.pid
    cpu_before, before = cpu.process_cpu_seconds(pid), cpu.snapshot([pid])
    took, latencies, bodies = asyncio.run(load)
    cpu_used, after = cpu.process_cpu_seconds(pid) - cpu_before, cpu.snapshot([pid])
    return took, latencies, bodies, (cpu_used, cpu.foreign_share(before, after) or 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = harness.arguments(__doc__, database_url=DATABASE_URL, redis_url=REDIS_URL)
    parser.add_argument("--borrowers", type=int, default=200, help="approved applications listed")
    parser.add_argument("--offers", type=int, default=1000, help="open bank offers")
    parser.add_argument("--clients", type=int, default=8, help="concurrent, listing and ceiling")
    args = parser.parse_args(argv)
    with harness.fresh_agora(args, "lending_listings_agora.log") as (server, env):
        started = time.perf_counter()
        approved = set_up(server.base_url, env, args.borrowers, args.offers)
        print(
            f"set up {args.offers} offers and {len(approved)} approved applications in "
            f"{time.perf_counter() - started:.0f} s"
        )
        jobs = [
            (ACCEPT, {"id": app, "k": f"accept-{n}"}, token)
            for n, (token, app) in enumerate(approved)
        ]
        listings = closed_loop(server.base_url, args.clients, jobs)
        took, latencies, bodies, used = measured(server, listings)
        refused = [b for b in bodies if "errors" in b or b["data"]["acceptLoanOffer"]["errors"]]
        states = {b["data"]["acceptLoanOffer"]["loan"]["state"] for b in bodies if b not in refused}
        tokens = [token for token, _ in approved]
        ceiling_jobs = [(CEILING, {}, tokens[n % len(tokens)]) for n in range(2000)]
        ceiling = closed_loop(server.base_url, args.clients, ceiling_jobs)
        c_took, _, c_bodies, c_used = measured(server, ceiling)
    rate = len(jobs) / took
    p50 = statistics.median(latencies) * 1000
    p95 = statistics.quantiles(latencies, n=20)[18] * 1000
    print(
        f"listings: {len(jobs)} in {took:.1f} s = {rate:.1f} listings/s "
        f"(p50 {p50:.0f} ms, p95 {p95:.0f} ms) against {args.offers} open offers, "
        f"{args.clients} clients; loans now {sorted(states)}; "
        f"refused {len(refused)}"
    )
    c_rate = len(ceiling_jobs) / c_took
    print(
        f"ceiling: {{ loanProducts }} {c_rate:.0f} requests/s at the same concurrency; "
        f"listings/s vs ceiling {rate / c_rate:.4f}"
    )
    listing_cpu, ceiling_cpu = used[0] / len(jobs) * 1000, c_used[0] / len(ceiling_jobs) * 1000
    print(
        f"Agora's CPU: {listing_cpu:.1f} ms per listing, {ceiling_cpu:.2f} ms per ceiling "
        f"request (ratio {listing_cpu / ceiling_cpu:.0f}); other work took "
        f"{used[1]:.0%} and {c_used[1]:.0%} of the cores"
    )
    return 1 if refused or any("errors" in b for b in c_bodies) else 0


if __name__ == "__main__":
    raise SystemExit(main())
