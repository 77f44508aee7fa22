"""Benchmark: the daily settlement job over 100,000 released payments.

Setup (not timed): a fresh database migrated to head, M merchants (1,000 by default), each
with P released payments (100) as their settlement lines (gross 100.00, fee 0.60, splits
10.00: as `capture` writes them) dated yesterday, and each merchant's wallet holding the net
those payments brought. The lines are written directly, not replayed through the API: the
job reads only the lines and the wallets, and this measures the job.

Timed: `run_settlement` with the worker's default, 50 merchants per transaction: their terms,
lines (FOR UPDATE SKIP LOCKED), carried balances, batch rows, marked lines and wallets each
one statement for all, the batches computed by the pure rule, and each payout checked, paid
through the (simulated) rail and posted on its own. The ceiling, in the same run on
the same rows: one SQL statement that computes every merchant's totals and marks every line
(rolled back), the least database work a batch can take without payouts.
Checks: one batch and one PAID payout per merchant, every line in a batch, and the ledger
verifies.

    python bench/payments_settlement.py [--merchants 1000] [--payments-per-merchant 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

# isort: split
# Siblings in bench/: running a script puts its own directory first on sys.path.
import harness
from harness import RESULTS

from domain.clock import FixedClock
from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.accounts import open_account
from domain.ledger.services.posting import Leg, post_transfers
from domain.ledger.services.verification import verify_ledger
from domain.payments.services.settle_merchants import run_settlement
from domain.wallets.rails import SimulatedRail
from domain.wallets.services.accounts import wallet_account

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_settlement"
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
GROSS, FEE, SPLITS = 10_000, 60, 1_000

CEILING = text(
    """
    WITH totals AS (
        SELECT merchant_id, currency, sum(gross) AS gross, sum(fee) AS fee,
               sum(splits) AS splits, count(*) AS lines
        FROM settlement_line WHERE batch_id IS NULL AND occurred_on <= :through
        GROUP BY merchant_id, currency
    ), batches AS (
        INSERT INTO settlement_batch (id, merchant_id, currency, settled_on, gross, refunds,
            fees, splits, net, carried_in, payout, carried_out, lines, created_at)
        SELECT gen_random_uuid(), merchant_id, currency, :day, gross, 0, fee, splits,
               gross - fee - splits, 0, gross - fee - splits, 0, lines, now()
        FROM totals RETURNING id, merchant_id, currency
    )
    UPDATE settlement_line l SET batch_id = b.id FROM batches b
    WHERE l.merchant_id = b.merchant_id AND l.currency = b.currency AND l.batch_id IS NULL
    """
)


async def set_up(sessions: async_sessionmaker[AsyncSession], merchants: int, each: int) -> None:
    yesterday = (NOW - timedelta(days=1)).date()
    async with sessions() as session:
        conn = await session.connection()
        ids = [uuid4() for _ in range(merchants)]
        await conn.execute(
            text(
                "INSERT INTO participant (id, kind, display_name, password_hash, roles,"
                " kyc_status, kyc_level, failed_logins, created_at, updated_at)"
                " SELECT unnest(CAST(:ids AS uuid[])), 'BUSINESS', 'merchant', '-',"
                " ARRAY['MERCHANT'], 'NOT_SUBMITTED', 0, 0, :now, :now"
            ),
            {"ids": ids, "now": NOW},
        )
        await conn.execute(
            text(
                "INSERT INTO settlement_line (merchant_id, currency, kind, reference_id,"
                " occurred_on, gross, fee, splits) SELECT m, 'CNY', 'PAYMENT',"
                " gen_random_uuid(), :day, :gross, :fee, :splits"
                " FROM unnest(CAST(:ids AS uuid[])) m, generate_series(1, :each)"
            ),
            {
                "ids": ids,
                "day": yesterday,
                "gross": GROSS,
                "fee": FEE,
                "splits": SPLITS,
                "each": each,
            },
        )
        funding = await open_account(
            session, kind=AccountKind.ADJUSTMENT, currency="CNY", now=NOW, label="bench"
        )
        net = each * (GROSS - FEE - SPLITS)
        for start in range(0, merchants, 200):
            wallets = [
                await wallet_account(session, owner_id=m, currency="CNY", now=NOW)
                for m in ids[start : start + 200]
            ]
            legs = [Leg(funding, wallet, net, "ADJUSTMENT") for wallet in wallets]
            await post_transfers(session, legs=legs, now=NOW)
        await session.commit()


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    engine = create_async_engine(args.database_url, pool_size=4, max_overflow=0)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    await set_up(sessions, args.merchants, args.payments_per_merchant)
    async with engine.connect() as conn:
        transaction = await conn.begin()
        started = time.perf_counter()
        await conn.execute(
            CEILING, {"through": (NOW - timedelta(days=1)).date(), "day": NOW.date()}
        )
        ceiling = time.perf_counter() - started
        await transaction.rollback()
    started = time.perf_counter()
    written = await run_settlement(sessions, FixedClock(NOW), rail=SimulatedRail())
    elapsed = time.perf_counter() - started
    async with engine.connect() as conn:
        checks = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM settlement_batch),"
                    " (SELECT count(*) FROM payout WHERE state = 'PAID'),"
                    " (SELECT count(*) FROM settlement_line WHERE batch_id IS NULL)"
                )
            )
        ).one()
    async with sessions() as session:
        consistent = (await verify_ledger(session)).consistent
    await engine.dispose()
    payments = args.merchants * args.payments_per_merchant
    ok = written == checks[0] == checks[1] == args.merchants and checks[2] == 0 and consistent
    return {
        "merchants": args.merchants,
        "payments": payments,
        "batches": checks[0],
        "paid_payouts": checks[1],
        "unsettled_lines": checks[2],
        "ledger_consistent": consistent,
        "settlement_seconds": round(elapsed, 2),
        "payments_per_second": round(payments / elapsed),
        "merchants_per_second": round(args.merchants / elapsed, 1),
        "ceiling_one_statement_seconds": round(ceiling, 2),
        "ok": ok,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.arguments(__doc__, database_url=DATABASE_URL)
    parser.add_argument("--merchants", type=int, default=1_000)
    parser.add_argument("--payments-per-merchant", type=int, default=100)
    args = parser.parse_args(argv)
    asyncio.run(harness.migrated_database(args.database_url))
    report = asyncio.run(measure(args))
    harness.write_results(RESULTS / "payments_settlement.json", report)
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
