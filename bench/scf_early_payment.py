"""Early payments per second through the API, with 1,000 open supply-chain offers.

Starts `agora serve` on a fresh database (`agora_bench_scf`), then, as clients would: ten
partner banks post 1,000 SUPPLY_CHAIN funding offers through their API keys (discount rates
4.00 %..8.99 %, a credit line of 50,000,000.00 to the core enterprise each); a core
enterprise is granted its role; suppliers register, pass KYC, register invoices of 10,000.00
due in 90 days, and the core enterprise confirms each. Measured: `requestEarlyPayment` of
every certificate from `--clients` concurrent clients. Each reads the open offers that may
buy the certificate, runs the matching engine, consumes the chosen offer's credit line to
the buyer and its capacity with guarded updates, posts the net to the holder and the fee to
`scf_fee`, and records the event, in one transaction. Ceiling, same run: the cheapest
authenticated request (`{ loanProducts { id } }`) at the same concurrency.

    .venv/bin/python bench/scf_early_payment.py   # ~4 min; --suppliers 20 --invoices 10
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from harness import call, log_in
from lending_listings import closed_loop, measured

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_scf"
REDIS_URL = os.environ.get("AGORA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
OPERATOR_EMAIL = "operator@bench-scf.example"
BANKS = 10

GRANT = """mutation($id: ID!, $role: Role!) { grantRole(participantId: $id, role: $role) {
  errors { code } } }"""
KEY = """mutation { createApiKey(input: {name: "bench", scopes: [OFFERS_WRITE, OFFERS_READ]}) {
  secret errors { code } } }"""
OFFER = """mutation($i: FundingOfferInput!, $k: String!) { createFundingOffer(input: $i,
  idempotencyKey: $k) { offer { id } errors { code message } } }"""
REGISTER = """mutation($i: RegisterInvoiceInput!, $k: String!) { registerInvoice(input: $i,
  idempotencyKey: $k) { receivable { id } errors { code message } } }"""
CONFIRM = """mutation($id: ID!) { confirmInvoice(receivableId: $id) {
  receivable { certificates { id } } errors { code message } } }"""
EARLY = """mutation($id: ID!, $k: String!) { requestEarlyPayment(certificateId: $id,
  idempotencyKey: $k) { certificate { state } net { amount } errors { code message } } }"""
CEILING = "query { loanProducts { id } }"
Job = tuple[str, dict[str, Any], str | None]


def set_up(
    url: str, env: dict[str, str], suppliers: int, invoices: int, offers: int
) -> list[tuple[str, str]]:
    """The offers, and (supplier token, certificate id) of every confirmed invoice."""
    harness.create_operator(env, OPERATOR_EMAIL)
    operator = log_in(url, OPERATOR_EMAIL)
    core_id, _ = harness.sign_up(url, "core@bench-scf.example", ["INVESTOR"], kind="BUSINESS")
    call(url, GRANT, {"id": core_id, "role": "CORE_ENTERPRISE"}, "grantRole", operator)
    core = log_in(url, "core@bench-scf.example")
    keys = []
    for n in range(BANKS):
        email = f"bank{n}@bench-scf.example"
        bank_id, _ = harness.sign_up(url, email, ["INVESTOR"], kind="BUSINESS")
        call(url, GRANT, {"id": bank_id, "role": "PARTNER_BANK"}, "grantRole", operator)
        keys.append(call(url, KEY, {}, "createApiKey", log_in(url, email))["secret"])

    def offer(n: int) -> None:
        terms = {
            "kind": "SUPPLY_CHAIN",
            "currency": "CNY",
            "capacity": "100000000.00",
            "rateFloor": f"0.0{4 + n % 5}{n % 100:02d}",
            "maxTenorDays": 180,
            "minAmount": "100.00",
            "maxAmount": "1000000.00",
            "perBorrowerCap": "50000000.00",
        }
        call(url, OFFER, {"i": terms, "k": f"offer-{n}"}, "createFundingOffer", keys[n % BANKS])

    today = datetime.now(UTC).date()

    def supplier(n: int) -> list[tuple[str, str]]:
        _, token = harness.sign_up(
            url, f"supplier{n}@bench-scf.example", ["MERCHANT"], kind="BUSINESS"
        )
        licence = f"91310000MA{n:07d}X"  # invoices carry the verified licence's number
        harness.pass_kyc(url, token, operator, n, legal_name="韩梅梅", business_licence=licence)
        held = []
        for m in range(invoices):
            invoice = {
                "buyerId": core_id,
                "registrationNumber": licence,
                "invoiceNumber": f"INV-{m}",
                "amount": "10000.00",
                "currency": "CNY",
                "issuedOn": str(today - timedelta(days=1)),
                "dueOn": str(today + timedelta(days=90)),
            }
            made = call(
                url, REGISTER, {"i": invoice, "k": f"inv-{n}-{m}"}, "registerInvoice", token
            )
            confirmed = call(url, CONFIRM, {"id": made["receivable"]["id"]}, "confirmInvoice", core)
            held.append((token, confirmed["receivable"]["certificates"][0]["id"]))
        return held

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(offer, range(offers)))
        return [c for held in pool.map(supplier, range(1, suppliers + 1)) for c in held]


def main(argv: list[str] | None = None) -> int:
    parser = harness.arguments(__doc__, database_url=DATABASE_URL, redis_url=REDIS_URL)
    parser.add_argument("--suppliers", type=int, default=20)
    parser.add_argument("--invoices", type=int, default=10, help="per supplier")
    parser.add_argument("--offers", type=int, default=1000, help="open supply-chain offers")
    parser.add_argument("--clients", type=int, default=8, help="concurrent, requests and ceiling")
    args = parser.parse_args(argv)
    with harness.fresh_agora(args, "scf_early_payment_agora.log") as (server, env):
        started = time.perf_counter()
        held = set_up(server.base_url, env, args.suppliers, args.invoices, args.offers)
        print(
            f"set up {args.offers} offers and {len(held)} confirmed certificates in "
            f"{time.perf_counter() - started:.0f} s"
        )
        jobs: list[Job] = [
            (EARLY, {"id": cid, "k": f"early-{n}"}, token) for n, (token, cid) in enumerate(held)
        ]
        took, latencies, bodies, used = measured(
            server, closed_loop(server.base_url, args.clients, jobs)
        )
        refused = [b for b in bodies if "errors" in b or b["data"]["requestEarlyPayment"]["errors"]]
        ceiling_jobs: list[Job] = [(CEILING, {}, held[n % len(held)][0]) for n in range(2000)]
        c_took, _, c_bodies, c_used = measured(
            server, closed_loop(server.base_url, args.clients, ceiling_jobs)
        )
        verified, report = harness.ledger_verify(args.database_url)
    rate = len(jobs) / took
    p50 = statistics.median(latencies) * 1000
    p95 = statistics.quantiles(latencies, n=20)[18] * 1000
    print(
        f"early payments: {len(jobs)} in {took:.1f} s = {rate:.1f}/s (p50 {p50:.0f} ms, "
        f"p95 {p95:.0f} ms) against {args.offers} open offers, {args.clients} clients; "
        f"refused {len(refused)}"
    )
    c_rate = len(ceiling_jobs) / c_took
    print(f"ceiling: {{ loanProducts }} {c_rate:.0f} requests/s; ratio {rate / c_rate:.4f}")
    per, per_ceiling = used[0] / len(jobs) * 1000, c_used[0] / len(ceiling_jobs) * 1000
    print(
        f"Agora's CPU: {per:.1f} ms per early payment, {per_ceiling:.2f} ms per ceiling request "
        f"(ratio {per / per_ceiling:.0f}); other work took {used[1]:.0%} and {c_used[1]:.0%} "
        f"of the cores; ledger verify: {'consistent' if verified else report}"
    )
    return 1 if refused or not verified or any("errors" in b for b in c_bodies) else 0


if __name__ == "__main__":
    raise SystemExit(main())
