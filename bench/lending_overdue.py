"""The daily overdue job on 1,000,000 installments, against a bare SQL ceiling.

Fills a fresh database (`agora_bench_overdue`) with 83,334 disbursed loans of 12 unpaid
installments each (1,000,008 rows; SQL `generate_series`, no Python per row), every one
of them past due, then runs the job the worker runs (`age_overdue_installments`: claim
loans with SKIP LOCKED in batches of 500, then one set-based UPDATE per batch sets days past
due, bucket and penalty by the same rules) once, as the first run over a fresh book: the
worst case. The same run times a ceiling: one SQL UPDATE that sets days past due on the
same rows (what the database alone takes to touch them, with no rules and no penalty).

    .venv/bin/python bench/lending_overdue.py            # ~5 min; --loans 8334 for 100k
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
from domain.lending.services.age_installments import age_overdue_installments

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_overdue"
DISBURSED = date(2026, 1, 15)
TODAY = datetime(2027, 2, 1, 12, tzinfo=UTC)  # after every due date: all 12 are late

FILL = """
INSERT INTO participant (id, kind, display_name, email, password_hash, roles, kyc_status,
                         kyc_level, failed_logins, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-00000000b0b0', 'PERSON', 'Bench borrower',
        'borrower@bench-overdue.example', 'x', '{BORROWER}', 'VERIFIED', 1, 0, now(), now());
INSERT INTO loan_product (id, code, version, name, currency, min_amount, max_amount,
    min_term_months, max_term_months, repayment_method, rounding, min_rate, max_rate, fees,
    penalty_daily_rate, grace_days, default_days, funding_channels, cover_kind, cover_share,
    early_repayment, platform_spread, note_size, min_investment, max_investor_share,
    funding_days, created_at)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'BENCH', 1, 'Bench', 'CNY', 100000, 10000000,
    3, 36, 'EQUAL_INSTALLMENT', 'HALF_UP', 0.05, 0.24, '[]', 0.0005, 3, 9999,
    '{INVESTOR_NOTES}', 'NONE', 0, 'ACCRUED_TO_DATE', 0.02, 5000, 5000, 0.5, 7, now());
INSERT INTO loan_application (id, borrower_id, product_id, amount, currency, term_months,
    repayment_method, purpose, declared_monthly_income, status, score, grade, annual_rate,
    credit_limit, reason_codes, points, scorecard_version, fraud_action, fraud_reasons,
    fraud_rules_version, created_at)
SELECT md5('a' || n)::uuid, '00000000-0000-0000-0000-00000000b0b0',
       '00000000-0000-0000-0000-0000000000a1', 1200000, 'CNY', 12, 'EQUAL_INSTALLMENT',
       'bench', 2000000, 'ACCEPTED', 700, 'B', 0.12, 1200000, '[]', '[]', 'bench', 'ALLOW',
       '[]', 'bench', now()
FROM generate_series(1, $1) AS n;
INSERT INTO loan (id, application_id, borrower_id, product_id, currency, principal, committed,
    term_months, repayment_method, rounding, grade, borrower_rate, funder_rate, upfront_fee,
    spread_fee, state, listed_at, funding_deadline, funded_at, disbursed_at, version)
SELECT md5('l' || n)::uuid, md5('a' || n)::uuid, '00000000-0000-0000-0000-00000000b0b0',
       '00000000-0000-0000-0000-0000000000a1', 'CNY', 1200000, 1200000, 12,
       'EQUAL_INSTALLMENT', 'HALF_UP', 'B', 0.12, 0.10, 0, 0, 'ACTIVE', $2::timestamptz,
       $2::timestamptz, $2::timestamptz, $2::timestamptz, 1
FROM generate_series(1, $1) AS n;
INSERT INTO loan_installment (loan_id, number, due_date, principal_due, interest_due, fee_due,
    penalty_accrued, principal_paid, interest_paid, fee_paid, penalty_paid, days_past_due,
    bucket)
SELECT md5('l' || n)::uuid, k, ($2::date + make_interval(months => k))::date, 100000,
       12000 - 1000 * k, 0, 0, 0, 0, 0, 0, 0, 'CURRENT'
FROM generate_series(1, $1) AS n, generate_series(1, 12) AS k;
"""
CEILING = """
UPDATE loan_installment SET days_past_due = ($1::date - due_date), bucket = 'DPD_90_PLUS'
WHERE paid_at IS NULL AND due_date < $1::date
"""


async def fill(url: str, loans: int) -> int:
    conn = await asyncpg.connect(plain_url(url))
    try:
        async with conn.transaction():
            for statement in FILL.split(";\n"):
                if not statement.strip():
                    continue
                second = DISBURSED if "$2::date" in statement else datetime(2026, 1, 15, tzinfo=UTC)
                arguments = [loans, second][
                    : 2 if "$2" in statement else 1 if "$1" in statement else 0
                ]
                await conn.execute(statement, *arguments)
        await conn.execute("VACUUM ANALYZE")
        return int(await conn.fetchval("SELECT count(*) FROM loan_installment"))
    finally:
        await conn.close()


async def ceiling(url: str) -> float:
    """The same rows touched by one bare UPDATE, rolled back."""
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
    parser.add_argument("--loans", type=int, default=83_334, help="12 installments each")
    parser.add_argument("--batch", type=int, default=500, help="loans per transaction")
    parser.add_argument("--database-url", default=DATABASE_URL)
    args = parser.parse_args(argv)
    await migrated_database(args.database_url)
    started = time.perf_counter()
    rows = await fill(args.database_url, args.loans)
    print(
        f"filled {rows:,} installments of {args.loans:,} loans in "
        f"{time.perf_counter() - started:.1f} s"
    )
    bare = await ceiling(args.database_url)
    print(f"ceiling: one SQL UPDATE of the same rows: {bare:.1f} s ({rows / bare:,.0f} rows/s)")
    engine = create_async_engine(args.database_url, pool_size=2)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    try:
        started = time.perf_counter()
        aged = await age_overdue_installments(sessions, FixedClock(TODAY), batch=args.batch)
        took = time.perf_counter() - started
    finally:
        await engine.dispose()
    conn = await asyncpg.connect(plain_url(args.database_url))
    try:
        late, penalty = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE days_past_due > 0), sum(penalty_accrued)"
            " FROM loan_installment"
        )
    finally:
        await conn.close()
    print(
        f"daily overdue job: {aged:,} loans, {late:,} installments aged in {took:.1f} s "
        f"({late / took:,.0f} installments/s; {took / bare:.1f}x the ceiling); "
        f"penalty accrued {penalty:,} minor units"
    )
    return 0 if late == rows else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
