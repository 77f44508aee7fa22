"""The daily income job of a money-market fund over 1,000,000 holdings, against one UPDATE.

Fills a fresh database (`agora_bench_wealth`) with one fund of 1,000,000 holdings (SQL
`generate_series`, no Python per row; each holding an investor of its own), 1,000 of which
bought more on the day being posted (their units at the last close are rebuilt from their
movements), and the manager's published income for the day; then runs the job the worker
runs (`post_daily_income`: claim the fund with SKIP LOCKED, pay the moved holdings one by
one, every other one with one UPDATE, post the day's journal) once. The same run times a
ceiling: one bare SQL UPDATE of the same rows (rolled back, then vacuumed), what PostgreSQL
alone takes to rewrite them.

    .venv/bin/python bench/wealth_income.py            # ~3 min; --holdings 100000 for 100k
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import migrated_database, plain_url

from domain.clock import FixedClock
from domain.wealth.services.daily_income import post_daily_income

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_wealth"
LAUNCHED = date(2026, 12, 1)
DAY = date(2026, 12, 2)  # the day posted
TODAY = datetime(2026, 12, 3, 9, tzinfo=UTC)
FUND = "00000000-0000-0000-0000-0000000f00d0"
MANAGER = "00000000-0000-0000-0000-00000000aa00"
MOVED = 1_000

FILL = f"""
INSERT INTO participant (id, kind, display_name, email, password_hash, roles, kyc_status,
                         kyc_level, failed_logins, created_at, updated_at)
VALUES ('{MANAGER}', 'BUSINESS', 'Bench manager', 'manager@bench-wealth.example', 'x',
        '{{ASSET_MANAGER}}', 'VERIFIED', 1, 0, now(), now());
INSERT INTO participant (id, kind, display_name, email, password_hash, roles, kyc_status,
                         kyc_level, failed_logins, created_at, updated_at)
SELECT md5('p' || n)::uuid, 'PERSON', 'Investor', 'i' || n || '@bench-wealth.example', 'x',
       '{{INVESTOR}}', 'VERIFIED', 1, 0, now(), now()
FROM generate_series(1, $1) AS n;
INSERT INTO wealth_fund (id, manager_id, name, currency, state, caps_version,
    calendar_version, management_fee_rate, custodian_fee_rate, launched_on, income_through,
    units, residue, pending_redemptions, holders, management_fees, custodian_fees,
    income_paid, created_at, updated_at)
VALUES ('{FUND}', '{MANAGER}', 'Bench Cash', 'CNY', 'OPEN', 'mmf-caps-2026-12-v1',
    'cn-2026-12-v1', 0.003, 0, '{LAUNCHED}', '{LAUNCHED}', 0, 0, 0, 0, 0, 0, 0, now(), now());
INSERT INTO wealth_holding (id, fund_id, investor_id, units, total_income, last_income,
    created_at, updated_at)
SELECT md5('h' || n)::uuid, '{FUND}', md5('p' || n)::uuid,
       1000 + (n::bigint * 7919) % 5000000, 0, 0, now(), now()
FROM generate_series(1, $1) AS n;
INSERT INTO wealth_movement (fund_id, holding_id, day, units, kind, created_at)
SELECT '{FUND}', md5('h' || n)::uuid, '{LAUNCHED}', 1000 + (n::bigint * 7919) % 5000000, 'PURCHASE',
       now()
FROM generate_series(1, $1) AS n;
INSERT INTO wealth_movement (fund_id, holding_id, day, units, kind, created_at)
SELECT '{FUND}', md5('h' || n)::uuid, '{DAY}', 50000, 'PURCHASE', now()
FROM generate_series(1, {MOVED}) AS n;
UPDATE wealth_holding SET units = units + 50000
WHERE id IN (SELECT md5('h' || n)::uuid FROM generate_series(1, {MOVED}) AS n);
UPDATE wealth_fund SET
    units = (SELECT sum(units) FROM wealth_holding), holders = $1
WHERE id = '{FUND}';
INSERT INTO wealth_fund_day (fund_id, day, income_per_10k, published_by, published_at,
    earning_units, income, residue, holdings_paid, assets_before, management_fee,
    custodian_fee)
VALUES ('{FUND}', '{DAY}', 0.6512, '{MANAGER}', now(), 0, 0, 0, 0, 0, 0, 0)
"""
CEILING = f"UPDATE wealth_holding SET units = units + 1 WHERE fund_id = '{FUND}'"


async def fill(url: str, holdings: int) -> None:
    conn = await asyncpg.connect(plain_url(url))
    try:
        async with conn.transaction():
            for statement in FILL.split(";\n"):
                if statement.strip():
                    await conn.execute(statement, *([holdings] if "$1" in statement else []))
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


class _Rollback(Exception):
    pass


async def ceiling(url: str) -> float:
    """The same rows rewritten by one bare UPDATE, rolled back (then vacuumed)."""
    conn = await asyncpg.connect(plain_url(url))
    elapsed = 0.0
    try:
        started = time.perf_counter()
        async with conn.transaction():
            await conn.execute(CEILING)
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    finally:
        await conn.execute("VACUUM ANALYZE wealth_holding")
        await conn.close()
    return elapsed


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdings", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DATABASE_URL)
    args = parser.parse_args(argv)
    await migrated_database(args.database_url)
    started = time.perf_counter()
    await fill(args.database_url, args.holdings)
    print(f"filled {args.holdings:,} holdings in {time.perf_counter() - started:.1f} s")
    bare = await ceiling(args.database_url)
    rate = args.holdings / bare
    print(f"ceiling: one SQL UPDATE of the same rows: {bare:.1f} s ({rate:,.0f} rows/s)")
    engine = create_async_engine(args.database_url, pool_size=2)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    try:
        started = time.perf_counter()
        posted = await post_daily_income(sessions, FixedClock(TODAY))
        took = time.perf_counter() - started
    finally:
        await engine.dispose()
    conn = await asyncpg.connect(plain_url(args.database_url))
    try:
        paid, income, residue = await conn.fetchrow(
            "SELECT holdings_paid, income, residue FROM wealth_fund_day WHERE fund_id = $1",
            FUND,
        )
    finally:
        await conn.close()
    print(
        f"daily income job: {posted} day, {paid:,} holdings paid {income:,} minor units "
        f"(residue {residue}) in {took:.1f} s ({args.holdings / took:,.0f} holdings/s; "
        f"{took / bare:.1f}x the ceiling)"
    )
    return 0 if posted == 1 and paid > 0 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
