"""Benchmark: `disclosure` and `revenue` read under load with 1,000,000 loans and 10,000,000
journal rows, against a one-row query ceiling (`me`) of the same run.

Fills a fresh database (`agora_bench_economics`, migrated to head) by SQL (`generate_series`,
no Python per row): 100,000 borrowers and 20,000 investors, 1,000,000 loans over two years
(ACTIVE, CLOSED and DEFAULTED, grades A-E), 3 installments and a note each, a guarantee fund
payout for each default; and 10,000,000 posted fee transfers into eight revenue streams over
365 days, the balances and daily revenue counters rebuilt from them. Then it runs the
worker's disclosure job once (timed: the recount a request never does) and `agora serve`
(production settings, one uvicorn worker), and measures in interleaved rounds, each with
C keep-alive connections: the anonymous `disclosure(currency: "CNY")`; the operator's
`revenue` over the year by STREAM and by DAY; and the ceiling, the operator's `me { id }`
(one participant row). Exits 1 on any error answer.

    .venv/bin/python bench/economics_reads.py   # ~20 min; --loans 100000 --transfers 1000000
    .venv/bin/python bench/economics_reads.py --reuse   # measure again, no fill
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import load

from domain.clock import FixedClock
from domain.disclosure.services.publish import publish_disclosure

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_economics"
REDIS_URL = "redis://127.0.0.1:6379/13"
OPERATOR = "operator@bench-economics.example"
NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)

# Ids that grow with n, so the primary keys' b-trees are appended to, not split at random.
ID = "('00000000-0000-4000-8000-' || lpad(to_hex({n}), 12, '0'))::uuid"
PREFIXED = "('{p}0000000-0000-4000-8000-' || lpad(to_hex({n}), 12, '0'))::uuid"

FILL = [
    # borrowers b, investors i
    f"""INSERT INTO participant (id, kind, display_name, email, password_hash, roles,
        kyc_status, kyc_level, failed_logins, created_at, updated_at)
    SELECT {PREFIXED.format(p="b", n="n")}, 'PERSON', 'B', 'b' || n || '@bench.example', 'x',
           '{{BORROWER}}', 'VERIFIED', 1, 0, now(), now()
    FROM generate_series(1, 100000) AS n""",
    f"""INSERT INTO participant (id, kind, display_name, email, password_hash, roles,
        kyc_status, kyc_level, failed_logins, created_at, updated_at)
    SELECT {PREFIXED.format(p="c", n="n")}, 'PERSON', 'I', 'i' || n || '@bench.example', 'x',
           '{{INVESTOR}}', 'VERIFIED', 1, 0, now(), now()
    FROM generate_series(1, 20000) AS n""",
    """INSERT INTO loan_product (id, code, version, name, currency, min_amount, max_amount,
        min_term_months, max_term_months, repayment_method, rounding, min_rate, max_rate, fees,
        penalty_daily_rate, grace_days, default_days, funding_channels, cover_kind,
        cover_share, early_repayment, platform_spread, note_size, min_investment,
        max_investor_share, funding_days, created_at)
    VALUES ('00000000-0000-0000-0000-0000000000a1', 'BENCH', 1, 'Bench', 'CNY', 100000,
        10000000, 3, 36, 'EQUAL_INSTALLMENT', 'HALF_UP', 0.05, 0.24,
        '[{"name": "origination", "timing": "UPFRONT", "percent": "0.02", "fixed": 0}]',
        0.0005, 3, 90, '{INVESTOR_NOTES}', 'GUARANTEE', 1, 'ACCRUED_TO_DATE', 0.02, 5000,
        5000, 0.5, 7, now())""",
    f"""INSERT INTO loan_application (id, borrower_id, product_id, amount, currency,
        term_months, repayment_method, purpose, declared_monthly_income, status, score, grade,
        annual_rate, credit_limit, reason_codes, points, scorecard_version, fraud_action,
        fraud_reasons, fraud_rules_version, created_at)
    SELECT {PREFIXED.format(p="a", n="n")}, {PREFIXED.format(p="b", n="n % 100000 + 1")},
           '00000000-0000-0000-0000-0000000000a1', 300000, 'CNY', 3, 'EQUAL_INSTALLMENT',
           'bench', 2000000, 'ACCEPTED', 700, chr(65 + n % 5), 0.12, 300000, '[]', '[]',
           'bench', 'ALLOW', '[]', 'bench', now()
    FROM generate_series(1, $1) AS n""",
    f"""INSERT INTO loan (id, application_id, borrower_id, product_id, currency, principal,
        committed, term_months, repayment_method, rounding, grade, borrower_rate, funder_rate,
        upfront_fee, spread_fee, state, listed_at, funding_deadline, funded_at, disbursed_at,
        ended_at, version)
    SELECT {ID.format(n="n")}, {PREFIXED.format(p="a", n="n")},
           {PREFIXED.format(p="b", n="n % 100000 + 1")}, '00000000-0000-0000-0000-0000000000a1',
           'CNY', 300000 + (n % 7) * 10000, 300000, 3, 'EQUAL_INSTALLMENT', 'HALF_UP',
           chr(65 + n % 5), 0.08 + (n % 5) * 0.02, 0.06, 0, 0,
           CASE WHEN n % 20 = 0 THEN 'DEFAULTED' WHEN n % 20 = 1 THEN 'CLOSED'
                ELSE 'ACTIVE' END,
           d, d, d, d, CASE WHEN n % 20 IN (0, 1) THEN d + interval '100 days' END, 1
    FROM (SELECT n, timestamptz '2024-12-10 12:00+00' + (n % 720) * interval '1 day' AS d
          FROM generate_series(1, $1) AS n) AS s""",
    f"""INSERT INTO loan_installment (loan_id, number, due_date, principal_due, interest_due,
        fee_due, penalty_accrued, principal_paid, interest_paid, fee_paid, penalty_paid,
        days_past_due, bucket, paid_at)
    SELECT {ID.format(n="n")}, k,
           (timestamptz '2024-12-10' + (n % 720) * interval '1 day'
            + k * interval '1 month')::date,
           100000 + CASE WHEN k = 3 THEN (n % 7) * 10000 ELSE 0 END, 3000, 0, 0,
           CASE WHEN n % 20 = 1 OR (n % 20 > 1 AND n % 10 < 9 AND k = 1) THEN 100000 ELSE 0 END,
           0, 0, 0, 0, 'CURRENT',
           CASE WHEN n % 20 = 1 OR (n % 20 > 1 AND n % 10 < 9 AND k = 1)
                THEN timestamptz '2025-01-01' END
    FROM generate_series(1, $1) AS n, generate_series(1, 3) AS k""",
    f"""INSERT INTO loan_note (id, loan_id, holder_id, funder_kind, principal, annual_rate,
        status, principal_received, interest_received, created_at)
    SELECT {PREFIXED.format(p="e", n="n")}, {ID.format(n="n")},
           {PREFIXED.format(p="c", n="n % 20000 + 1")}, 'INVESTOR', 300000, 0.06,
           CASE WHEN n % 20 = 0 THEN 'DEFAULTED' WHEN n % 20 = 1 THEN 'CLOSED'
                ELSE 'ACTIVE' END, 0, 0, now()
    FROM generate_series(1, $1) AS n""",
    f"""INSERT INTO repayment (id, loan_id, payer_id, kind, amount, shortfall, penalty, fees,
        interest, principal, allocation, distribution, journal_id, created_at)
    SELECT {PREFIXED.format(p="f", n="n")}, {ID.format(n="n")}, NULL, 'GUARANTEE_FUND',
           150000, 0, 0, 0, 0, 150000, '[]', '[]', {PREFIXED.format(p="f", n="n")}, now()
    FROM generate_series(20, $1, 20) AS n""",
    """INSERT INTO ledger_account (currency, kind, owner_id, label, created_at,
        debits_must_not_exceed_credits, credits_must_not_exceed_debits, frozen)
    SELECT 'CNY', 'PLATFORM_REVENUE', NULL, s, now(), true, false, false
    FROM unnest(ARRAY['mdr', 'origination_fee', 'service_fee', 'interest_spread',
                      'transfer_fee', 'bnpl_discount', 'crowdfunding_fee',
                      'revenue_share']) AS s""",
    """INSERT INTO ledger_account (currency, kind, owner_id, label, created_at,
        debits_must_not_exceed_credits, credits_must_not_exceed_debits, frozen)
    VALUES ('CNY', 'SETTLEMENT', NULL, 'bench', now(), false, false, false)""",
    f"""INSERT INTO ledger_transfer (id, journal_id, kind, debit_account_id, credit_account_id,
        amount, currency, reason, created_at, details)
    SELECT {ID.format(n="n")}, {ID.format(n="n")}, 'POSTED', settlement, first_stream + n % 8,
           100 + n % 1000, 'CNY', 'FEE',
           timestamptz '2025-12-07' + (n::float8 / $2) * interval '365 days', '{{}}'
    FROM generate_series(1, $2) AS n,
         (SELECT min(id) AS first_stream FROM ledger_account
          WHERE kind = 'PLATFORM_REVENUE') AS r,
         (SELECT id AS settlement FROM ledger_account WHERE kind = 'SETTLEMENT') AS s""",
    """UPDATE ledger_account a SET credits_posted = t.credited
    FROM (SELECT credit_account_id AS id, sum(amount) AS credited FROM ledger_transfer
          GROUP BY 1) AS t WHERE a.id = t.id""",
    """UPDATE ledger_account a SET debits_posted = t.debited
    FROM (SELECT debit_account_id AS id, sum(amount) AS debited FROM ledger_transfer
          GROUP BY 1) AS t WHERE a.id = t.id""",
    # the daily revenue counters, as migration 0035 fills them from a journal
    """INSERT INTO ledger_daily_revenue (account_id, day, credited, debited)
    SELECT a.id, (t.created_at AT TIME ZONE 'UTC')::date,
           COALESCE(SUM(t.amount) FILTER (WHERE a.id = t.credit_account_id), 0),
           COALESCE(SUM(t.amount) FILTER (WHERE a.id = t.debit_account_id), 0)
    FROM ledger_transfer t
    JOIN ledger_account a
      ON a.id IN (t.debit_account_id, t.credit_account_id) AND a.kind = 'PLATFORM_REVENUE'
    WHERE t.kind IN ('POSTED', 'POST_PENDING')
    GROUP BY 1, 2""",
]

DISCLOSURE = '{ disclosure(currency: "CNY") { lent { count } outstanding { principal { amount } } overdue { rateByAmount } grades { grade lossRate } vintages { month } contentHash } }'  # noqa: E501
REVENUE = '{{ revenue(currency: "CNY", from: "2025-12-07", to: "2026-12-07", groupBy: {by}) {{ lines {{ key net {{ amount }} }} total {{ net {{ amount }} }} }} }}'  # noqa: E501
CEILING = "{ me { id } }"


async def fill(url: str, loans: int, transfers: int) -> None:
    conn = await asyncpg.connect(harness.plain_url(url))
    try:
        for statement in FILL:
            started = time.perf_counter()
            args = [a for name, a in (("$1", loans), ("$2", transfers)) if name in statement]
            if "$2" in statement and "$1" not in statement:
                statement = statement.replace("$2", "$1")
            await conn.execute(statement, *args)
            print(f"  {statement.split()[0:3]} {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        await conn.execute("VACUUM ANALYZE")
        print(f"  VACUUM ANALYZE {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        await conn.close()


async def recount(url: str) -> float:
    engine = create_async_engine(url, pool_size=2)
    try:
        started = time.perf_counter()
        await publish_disclosure(async_sessionmaker(engine, class_=AsyncSession), FixedClock(NOW))
        return time.perf_counter() - started
    finally:
        await engine.dispose()


def main() -> int:
    parser = harness.arguments(
        __doc__, database_url=DATABASE_URL, redis_url=REDIS_URL, output="economics_reads.json"
    )
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--transfers", type=int, default=10_000_000)
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database a previous run filled"
    )
    load.add_round_arguments(parser)
    args = parser.parse_args()
    filled = took = 0.0
    if not args.reuse:
        asyncio.run(harness.migrated_database(args.database_url))
        started = time.perf_counter()
        asyncio.run(fill(args.database_url, args.loans, args.transfers))
        filled = time.perf_counter() - started
        print(f"filled {args.loans:,} loans and {args.transfers:,} transfers in {filled:.0f} s")
        took = asyncio.run(recount(args.database_url))
        print(f"the worker's disclosure recount (1 currency): {took:.1f} s")
    env = harness.agora_env(args.database_url, args.redis_url)
    scenarios = {
        "disclosure (anonymous)": (DISCLOSURE, False),
        "revenue by STREAM, 1 year": (REVENUE.format(by="STREAM"), True),
        "revenue by DAY, 1 year": (REVENUE.format(by="DAY"), True),
        "ceiling: me { id }": (CEILING, True),
    }
    results: dict[str, list[load.Measurement]] = {key: [] for key in scenarios}
    problems: list[str] = []
    with harness.agora_server(env, "economics_reads.log") as server:
        try:
            harness.create_operator(env, OPERATOR)
        except subprocess.CalledProcessError:
            if not args.reuse:  # a reused database has its operator already
                raise
        token = harness.log_in(server.base_url, OPERATOR)
        url = f"{server.base_url}/graphql"
        for key, (query, signed) in scenarios.items():
            status, answer = harness.post_graphql(
                server.base_url, query, {}, token if signed else ""
            )
            if status != 200 or answer.get("errors") or not answer.get("data"):
                problems.append(f"{key}: {json.dumps(answer)[:300]}")
        for number in range(args.rounds + 1):  # round 0 warms up
            for key, (query, signed) in scenarios.items():
                headers = {"Authorization": f"Bearer {token}"} if signed else {}
                body = json.dumps({"query": query}).encode()
                seconds = args.warmup if number == 0 else args.seconds
                measured = load.measure(
                    url, body, connections=args.connections, seconds=seconds, headers=headers
                )
                if number:
                    results[key].append(measured)
                    print(
                        f"round {number} {key:28} {measured.rps:8.0f}/s p50 "
                        f"{measured.p50_ms:6.1f} ms p99 {measured.p99_ms:6.1f} ms "
                        f"errors {measured.errors}",
                        flush=True,
                    )
                problems += [f"{key}: {measured.errors} errors"] if measured.errors else []
    ceiling = statistics.median(m.rps for m in results["ceiling: me { id }"])
    summary = {}
    for key, runs in results.items():
        rps = statistics.median(m.rps for m in runs)
        p99 = statistics.median(m.p99_ms for m in runs)
        summary[key] = {"rps": rps, "p99_ms": p99, "of_ceiling": rps / ceiling}
        print(f"median {key:28} {rps:8.0f}/s p99 {p99:6.1f} ms  {rps / ceiling:.2f}x ceiling")
    harness.write_results(
        args.output,
        {"fill_seconds": filled, "recount_seconds": took, "summary": summary, "problems": problems},
    )
    for problem in problems:
        print("PROBLEM", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
