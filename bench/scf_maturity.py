"""The supply-chain maturity job on 100,000 receivables, against a one-statement ceiling.

Fills a fresh database (`agora_bench_scf_maturity`) by SQL (`generate_series`) with confirmed
invoices of one certificate each, all due today, and funds the core enterprise's wallet with
one ledger posting; then runs the job the worker runs (`settle_due_receivables`: invoices
claimed 200 at a time with SKIP LOCKED, each in a savepoint: one journal paying its
certificates' owners, the certificates and the invoice marked PAID, their events) once. The
same run times a ceiling: one SQL UPDATE marking the same certificates PAID (rolled back),
what the database alone takes to touch them. `agora ledger verify` after.

    .venv/bin/python bench/scf_maturity.py          # --receivables 100000 (default)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ledger_verify, migrated_database, plain_url

from domain.clock import FixedClock
from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.accounts import open_account
from domain.ledger.services.posting import Leg, post_transfers
from domain.supply_chain.services.maturity import settle_due_receivables

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_scf_maturity"
TODAY = datetime(2027, 3, 1, 9, tzinfo=UTC)
CORE = "00000000-0000-0000-0000-00000000c0e0"
SUPPLIER = "00000000-0000-0000-0000-00000000501e"
AMOUNT = 1_000_000  # 10,000.00 each

FILL = f"""
INSERT INTO participant (id, kind, display_name, email, password_hash, roles, kyc_status,
                         kyc_level, failed_logins, created_at, updated_at)
VALUES ('{CORE}', 'BUSINESS', 'Bench core', 'core@bench-scf.example', 'x',
        '{{CORE_ENTERPRISE}}', 'VERIFIED', 1, 0, now(), now()),
       ('{SUPPLIER}', 'BUSINESS', 'Bench supplier', 'supplier@bench-scf.example', 'x',
        '{{MERCHANT}}', 'VERIFIED', 1, 0, now(), now());
INSERT INTO scf_receivable (id, supplier_id, buyer_id, registration_number, invoice_number,
    goods_reference, currency, face_amount, amount, issued_on, due_on, fingerprint, state,
    decided_at, created_at, updated_at)
SELECT md5('r' || n)::uuid, '{SUPPLIER}', '{CORE}', '91310000BENCH', 'INV-' || n, '',
       'CNY', {AMOUNT}, {AMOUNT}, $1::date - 90, $1::date, md5('f' || n), 'CONFIRMED',
       now(), now(), now()
FROM generate_series(1, $2) AS n;
INSERT INTO scf_certificate (id, receivable_id, buyer_id, supplier_id, holder_id, currency,
    amount, due_on, state, discount, fee, days_past_due, bucket, penalty_accrued,
    penalty_paid, created_at, updated_at)
SELECT md5('c' || n)::uuid, md5('r' || n)::uuid, '{CORE}', '{SUPPLIER}', '{SUPPLIER}', 'CNY',
       {AMOUNT}, $1::date, 'HELD', 0, 0, 0, 'CURRENT', 0, 0, now(), now()
FROM generate_series(1, $2) AS n;
"""
CEILING = """
UPDATE scf_certificate SET state = 'PAID', paid_at = now(), updated_at = now()
WHERE state IN ('HELD', 'FINANCED', 'OVERDUE', 'RECOURSED') AND due_on <= $1::date
"""


async def fill(url: str, receivables: int) -> None:
    conn = await asyncpg.connect(plain_url(url))
    try:
        async with conn.transaction():
            for statement in FILL.split(";\n"):
                if statement.strip():
                    arguments = [TODAY.date(), receivables] if "$1" in statement else []
                    await conn.execute(statement, *arguments)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def fund_core(sessions: async_sessionmaker[AsyncSession], amount: int) -> None:
    """The core enterprise's wallet, credited from settlement by one posting."""
    from uuid import UUID

    async with sessions() as session:
        rail = await open_account(
            session, kind=AccountKind.SETTLEMENT, currency="CNY", now=TODAY, label="bench"
        )
        wallet = await open_account(
            session, kind=AccountKind.WALLET, currency="CNY", now=TODAY, owner_id=UUID(CORE)
        )
        await post_transfers(session, legs=[Leg(rail, wallet, amount, "DEPOSIT")], now=TODAY)
        await session.commit()


async def ceiling(url: str) -> float:
    conn = await asyncpg.connect(plain_url(url))
    try:
        started = time.perf_counter()
        async with conn.transaction():
            await conn.execute(CEILING, TODAY.date())
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        return elapsed
    finally:
        await conn.close()


class _Rollback(Exception):
    pass


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receivables", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=200, help="invoices per transaction")
    parser.add_argument("--database-url", default=DATABASE_URL)
    args = parser.parse_args(argv)
    await migrated_database(args.database_url)
    started = time.perf_counter()
    await fill(args.database_url, args.receivables)
    engine = create_async_engine(args.database_url, pool_size=2)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    try:
        await fund_core(sessions, AMOUNT * args.receivables)
        print(f"filled {args.receivables:,} receivables in {time.perf_counter() - started:.1f} s")
        bare = await ceiling(args.database_url)
        print(
            f"ceiling: one SQL UPDATE of the {args.receivables:,} certificates: {bare:.2f} s "
            f"({args.receivables / bare:,.0f} rows/s)"
        )
        started = time.perf_counter()
        paid = await settle_due_receivables(sessions, FixedClock(TODAY), batch=args.batch)
        took = time.perf_counter() - started
    finally:
        await engine.dispose()
    consistent, report = ledger_verify(args.database_url)
    print(
        f"maturity job: {paid:,} receivables paid in {took:.1f} s ({paid / took:,.0f}/s; "
        f"{took / bare:.1f}x the ceiling); ledger verify: "
        f"{'consistent' if consistent else report}"
    )
    return 0 if paid == args.receivables and consistent else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
