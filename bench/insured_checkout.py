"""Benchmark: the cost of embedding insurance in a checkout.

The same escrow checkout as payments_api.py's sale (the merchant's key creates an ESCROW
intent of 100.00, a shopper pays it from the wallet into escrow), three ways: without cover;
with the shopper's return-shipping policy bound in the same `payIntent`
(`returnShippingProductId`: the premium priced by the merchant's 90-day return rate, paid
from the shopper's wallet to the insurer and `insurance_commission` in one more journal, the
policy row and its `insurance.policy_updated` event); and with the merchant's own cover named
at `createPaymentIntent(input: {returnShippingProductId})`, bound as the shopper pays with the
premium from the merchant's wallet (one wallet shared by every insured sale). All run against
`agora serve` (production settings, one uvicorn worker, real PostgreSQL and Redis) in the
same run, alternated (without, shopper's, merchant's, twice) so that load on the machine hits
them alike; the ratios of their sales per second to the plain checkout's are the figures (aim
for >= 0.8). The ceiling `{ __typename }` on the same server and clients is reported too.
Checks: every answer 200 with `errors: []`, and `agora ledger verify` passes at the end.

    python bench/insured_checkout.py [--seconds 10] [--clients 8] [--shoppers 32]
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from typing import Any

# isort: split
# Siblings in bench/: running a script puts its own directory first on sys.path.
import harness
import payments_api
from harness import RESULTS

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_insurance"
REDIS_URL = "redis://127.0.0.1:6379/11"
INSURER_EMAIL = "insurer@bench-payments.example"
GRANT = """mutation G($id: ID!) { grantRole(participantId: $id, role: INSURER) {
  errors { code } } }"""
PUBLISH = """mutation P($input: InsuranceProductInput!) { publishInsuranceProduct(input: $input)
  { product { id } errors { code field message } } }"""
RETURN_SHIPPING = {
    "code": "RETURNS",
    "name": "Return shipping",
    "kind": "RETURN_SHIPPING",
    "currency": "CNY",
    "premium": {
        "basis": "BY_RETURN_RATE",
        "bands": [
            {"upToBasisPoints": 500, "premium": "0.80"},
            {"upToBasisPoints": 10000, "premium": "1.50"},
        ],
    },
    "coverageShare": "1",
    "maxPayout": "20.00",
    "termDays": 60,
    "commissionBasisPoints": 2000,
    "freightTable": [
        {"upTo": "100.00", "payout": "8.00"},
        {"upTo": "1000000.00", "payout": "12.00"},
    ],
    "payoutHours": 24,
}


def publish_cover(base_url: str) -> str:
    """An insurer the operator granted the role, and its return-shipping product's id."""
    operator = harness.log_in(base_url, payments_api.OPERATOR_EMAIL)
    insurer_id, _ = harness.sign_up(
        base_url, INSURER_EMAIL, ["INVESTOR"], kind="BUSINESS", display_name="insurer"
    )
    harness.call(base_url, GRANT, {"id": insurer_id}, "grantRole", operator)
    insurer = harness.log_in(base_url, INSURER_EMAIL)
    published = harness.call(
        base_url, PUBLISH, {"input": RETURN_SHIPPING}, "publishInsuranceProduct", insurer
    )
    return str(published["product"]["id"])


def fund_merchant(base_url: str, merchant_id: str) -> None:
    """Premiums for every sale the merchant insures itself, credited by the operator."""
    operator = harness.log_in(base_url, payments_api.OPERATOR_EMAIL)
    fund = {
        "participantId": merchant_id,
        "amount": "10000000.00",
        "currency": "CNY",
        "reason": "bench merchant's premiums",
    }
    harness.call(
        base_url, payments_api.FUND, {"i": fund, "k": "fund-merchant"}, "adjustWallet", operator
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.arguments(__doc__, database_url=DATABASE_URL, redis_url=REDIS_URL)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--shoppers", type=int, default=32)
    args = parser.parse_args(argv)
    with harness.fresh_agora(args, "insured_checkout_agora.log") as (server, env):
        harness.create_operator(env, payments_api.OPERATOR_EMAIL)
        world = payments_api.set_up(server.base_url, args.shoppers)
        cover = publish_cover(server.base_url)

        fund_merchant(server.base_url, world["merchant_id"])

        async def run() -> dict[str, Any]:
            url, clients, seconds = server.base_url, args.clients, args.seconds
            ways = {"plain": {}, "cover": {"cover": cover}, "merchant": {"merchant_cover": cover}}
            for way, extra in ways.items():
                await payments_api.sales(
                    url,
                    world,
                    clients=clients,
                    seconds=3,
                    run=f"warm-{way}",
                    mode="ESCROW",
                    **extra,
                )
            runs: dict[str, list[dict[str, Any]]] = {way: [] for way in ways}
            for round_ in range(2):
                for way, extra in ways.items():
                    runs[way].append(
                        await payments_api.sales(
                            url,
                            world,
                            clients=clients,
                            seconds=seconds,
                            run=f"{way}-{round_}",
                            mode="ESCROW",
                            **extra,
                        )
                    )
            top = await payments_api.ceiling(url, clients=clients, seconds=seconds)
            rate = {
                way: sum(r["sales"] for r in done) / sum(r["seconds"] for r in done)
                for way, done in runs.items()
            }
            without = rate["plain"]
            return {
                "clients": clients,
                "ceiling_typename": top,
                "without_cover": runs["plain"],
                "with_cover": runs["cover"],
                "with_merchant_cover": runs["merchant"],
                "sales_per_second_without": round(without, 1),
                "sales_per_second_with": round(rate["cover"], 1),
                "sales_per_second_with_merchant_cover": round(rate["merchant"], 1),
                "ratio_with_to_without": round(rate["cover"] / without, 3) if without else None,
                "ratio_merchant_cover_to_without": (
                    round(rate["merchant"] / without, 3) if without else None
                ),
            }

        report = asyncio.run(run())
    verified, verify_output = harness.ledger_verify(args.database_url)
    report["ledger_verify"] = "consistent" if verified else verify_output
    harness.write_results(RESULTS / "insured_checkout.json", report)
    print(json.dumps(report, indent=2))
    done = (*report["without_cover"], *report["with_cover"], *report["with_merchant_cover"])
    failures = sum(r["failures"] for r in done)
    return 0 if verified and failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
