"""Benchmark: the mobile home screen in one request at 100 requests a second, open loop.

`me` + `wallets` + `myLoans` (bench/home_screen.graphql) for a borrower of 20 loans (12
installments and two investors' notes each), sent at a fixed rate (`load.measure_at_rate`:
each request leaves on schedule whether or not earlier ones were answered; latency counts
from that moment) to one uvicorn worker of `agora serve` (production settings) on a fresh
database (`agora_bench_home_screen`).
Ceilings on the same server at the same rate, with the same access token: a one-row
`{ me { id } }` and `{ __typename }`. Scenarios run in interleaved rounds; the table shows
the median p50 and p99 of the rounds and the server's CPU per request (its process's CPU
time until it is idle again, over the requests sent: a worker that needs more than a core for
the rate falls behind, and the latencies show the queue). Also counted, in this process on the
same database (the app `agora serve` builds, SQLAlchemy's `before_cursor_execute`): the SQL
statements one home screen sends for borrowers of 5, 20 and 50 loans. Exits 1 on any failed
or wrong answer, anything Agora counted but HTTP 200 and outcome `ok`, or anything in its log.

    .venv/bin/python bench/home_screen.py   # ~3 min; --rate 100 --seconds 20 --rounds 3

Loans, installments and notes are written by SQL (the borrowers and the investor sign up
over the API, the operator funds each borrower's wallet with `adjustWallet`).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cpu
import harness
import load
from payments_api import FUND

from api.app import create_app
from api.settings import Settings
from graph.relay import uuid_of

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_home_screen"
REDIS_URL = "redis://127.0.0.1:6379/12"
OPERATOR = "operator@bench-home.example"
LOANS_SHOWN = 20  # the measured borrower's; the statement count also takes 5 and 50
INSTALLMENTS = 12
NOTES = 2

HOME_SCREEN = (Path(__file__).parent / "home_screen.graphql").read_text()
SCENARIOS = {
    "home": HOME_SCREEN,
    "me": "{ me { id } }",
    "typename": "{ __typename }",
}
LABELS = {
    "home": f"home screen, {LOANS_SHOWN} loans",
    "me": "ceiling: { me { id } }",
    "typename": "ceiling: { __typename }",
}

PRODUCT = """INSERT INTO loan_product (id, code, version, name, currency, min_amount, max_amount,
    min_term_months, max_term_months, rounding, min_rate, max_rate, grace_days,
    funding_channels, platform_spread, note_size, min_investment, max_investor_share,
    funding_days, created_at, repayment_method, fees, penalty_daily_rate, default_days,
    cover_kind, cover_share, early_repayment)
VALUES ($1, 'HOME', 1, 'Home screen', 'CNY', 100000, 10000000, 3, 36, 'HALF_UP', 0.05, 0.24,
    3, '{INVESTOR_NOTES}', 0.02, 10000, 10000, 0.5, 7, now(), 'EQUAL_INSTALLMENT', '[]',
    0.0005, 90, 'NONE', 0, 'ACCRUED_TO_DATE')"""
# A borrower's $3 active loans of 12,000.00 over 12 months, disbursed a day apart, each with
# its schedule (nothing paid yet) and two notes of half the principal held by investor $4.
LOANS = """WITH applications AS (
  INSERT INTO loan_application (id, borrower_id, product_id, amount, currency, term_months,
      repayment_method, purpose, declared_monthly_income, status, score, grade, annual_rate,
      credit_limit, reason_codes, points, scorecard_version, fraud_action, fraud_reasons,
      fraud_rules_version, created_at)
  SELECT gen_random_uuid(), $1, $2, 1200000, 'CNY', 12, 'EQUAL_INSTALLMENT', 'home', 2000000,
      'ACCEPTED', 700, 'B', 0.12, 1200000, '[]', '[]', 'bench', 'ALLOW', '[]', 'bench',
      now() - n * interval '1 day'
  FROM generate_series(1, $3) AS n
  RETURNING id, created_at
), loans AS (
  INSERT INTO loan (id, application_id, borrower_id, product_id, currency, principal,
      committed, term_months, repayment_method, rounding, grade, borrower_rate, funder_rate,
      upfront_fee, spread_fee, state, listed_at, funding_deadline, funded_at, disbursed_at,
      version)
  SELECT gen_random_uuid(), id, $1, $2, 'CNY', 1200000, 1200000, 12, 'EQUAL_INSTALLMENT',
      'HALF_UP', 'B', 0.12, 0.10, 0, 0, 'ACTIVE', created_at, created_at + interval '7 days',
      created_at, created_at, 1
  FROM applications
  RETURNING id, disbursed_at
), schedule AS (
  INSERT INTO loan_installment (loan_id, number, due_date, principal_due, interest_due,
      fee_due, penalty_accrued, principal_paid, interest_paid, fee_paid, penalty_paid,
      days_past_due, bucket)
  SELECT id, k, (disbursed_at + k * interval '1 month')::date, 100000, 13000 - k * 1000, 0, 0,
      0, 0, 0, 0, 0, 'CURRENT'
  FROM loans, generate_series(1, 12) AS k
)
INSERT INTO loan_note (id, loan_id, holder_id, funder_kind, principal, annual_rate, status,
    principal_received, interest_received, created_at)
SELECT gen_random_uuid(), id, $4, 'INVESTOR', 600000, 0.10, 'ACTIVE', 0, 0, disbursed_at
FROM loans, generate_series(1, 2)"""


async def fill_loans(url: str, loans_of: Mapping[UUID, int], investor: UUID) -> None:
    connection = await asyncpg.connect(harness.plain_url(url))
    try:
        product = UUID(int=0xB0E)
        await connection.execute(PRODUCT, product)
        for borrower, count in loans_of.items():
            await connection.execute(LOANS, borrower, product, count, investor)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def statements_per_home_screen(
    args: Any, env: Mapping[str, str], tokens: Mapping[int, str]
) -> dict[int, list[str]]:
    """The statements one home screen sends, by the borrower's number of loans: the app
    `agora serve` builds, in this process, on the same stores and keys."""
    settings = Settings.model_validate(
        {
            "env": "production",
            "database_url": args.database_url,
            "redis_url": args.redis_url,
            "log_level": "warning",
            "rate_limits_enabled": False,
            "jwt_secret": env["AGORA_JWT_SECRET"],
            "data_key": env["AGORA_DATA_KEY"],
            "metrics_token": env["AGORA_METRICS_TOKEN"],
        }
    )
    app = create_app(settings)
    sent: dict[int, list[str]] = {}
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(" ".join(statement.split())[:70])

    async with app.router.lifespan_context(app):
        sync_engine = app.state.services.stores.engine.sync_engine
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for count, token in tokens.items():
                seen.clear()
                event.listen(sync_engine, "before_cursor_execute", record)
                try:
                    data = await harness.gql_async(client, HOME_SCREEN, {}, token)
                finally:
                    event.remove(sync_engine, "before_cursor_execute", record)
                if len(data["myLoans"]) != count:
                    raise RuntimeError(f"{count} loans: {len(data['myLoans'])} shown")
                sent[count] = list(seen)
    return sent


def wrong_answer(key: str, answer: Mapping[str, Any]) -> str | None:
    """What is wrong with a scenario's first answer, if anything."""
    data = answer.get("data")
    if answer.get("errors") or not data:
        return f"{key}: {json.dumps(answer)[:300]}"
    if key != "home":
        return None
    loans = data["myLoans"]
    whole = all(
        len(loan["installments"]) == INSTALLMENTS and len(loan["notes"]) == NOTES for loan in loans
    )
    if (
        len(loans) != LOANS_SHOWN
        or not whole
        or [w["currency"] for w in data["wallets"]] != ["CNY"]
    ):
        return f"home: {len(loans)} loans, wallets {data['wallets']}"
    return None


def measure_rounds(
    url: str, token: str, pid: int, args: Any
) -> tuple[dict[str, list[load.Measurement]], dict[str, float]]:
    """Each scenario at the rate, warmed up, then in interleaved rounds: the measurements and
    the server's CPU milliseconds per request sent over all rounds (each measurement lasts
    until the server is idle again, so requests its client gave up on count too)."""
    headers = {"Authorization": f"Bearer {token}"}
    bodies = {key: json.dumps({"query": query}).encode() for key, query in SCENARIOS.items()}
    for body in bodies.values():
        load.measure_at_rate(url, body, rate=args.rate, seconds=args.warmup, headers=headers)
        cpu.wait_idle(pid)
    measured: dict[str, list[load.Measurement]] = {key: [] for key in SCENARIOS}
    cpu_seconds = dict.fromkeys(SCENARIOS, 0.0)
    for number in range(1, args.rounds + 1):
        for key, body in bodies.items():
            before = cpu.process_cpu_seconds(pid)
            m = load.measure_at_rate(
                url, body, rate=args.rate, seconds=args.seconds, headers=headers
            )
            # What it still works on for requests the client gave up on counts too.
            cpu.wait_idle(pid)
            cpu_seconds[key] += cpu.process_cpu_seconds(pid) - before
            measured[key].append(m)
            load.print_measurement(f"round {number}", key, m, 9)
    cpu_ms = {
        key: cpu_seconds[key] * 1000 / max(1, sum(m.requests + m.errors for m in runs))
        for key, runs in measured.items()
    }
    return measured, cpu_ms


def main() -> int:
    parser = harness.arguments(
        __doc__, database_url=DATABASE_URL, redis_url=REDIS_URL, output="home_screen.json"
    )
    parser.add_argument("--rate", type=float, default=100.0, help="requests a second")
    parser.add_argument("--seconds", type=float, default=20.0, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds per scenario")
    args = parser.parse_args()
    anomalies: list[str] = []
    print(f"revision {harness.revision()}; load average {os.getloadavg()}", flush=True)
    with harness.fresh_agora(args, "home_screen.log") as (server, env):
        base = server.base_url
        harness.create_operator(env, OPERATOR)
        operator = harness.log_in(base, OPERATOR)
        investor, _ = harness.sign_up(base, "investor@bench-home.example", ["INVESTOR"])
        borrowers: dict[int, tuple[str, str]] = {}
        for count in (5, LOANS_SHOWN, 50):
            borrowers[count] = harness.sign_up(
                base, f"borrower{count}@bench-home.example", ["BORROWER"]
            )
            fund = {
                "participantId": borrowers[count][0],
                "amount": "1000.00",
                "currency": "CNY",
                "reason": "bench home screen funds",
            }
            harness.call(base, FUND, {"i": fund, "k": f"fund-{count}"}, "adjustWallet", operator)
        asyncio.run(
            fill_loans(
                args.database_url,
                {uuid_of(gid, "Participant"): count for count, (gid, _) in borrowers.items()},
                uuid_of(investor, "Participant"),
            )
        )
        tokens = {count: token for count, (_, token) in borrowers.items()}
        sent = asyncio.run(statements_per_home_screen(args, env, tokens))
        for count, statements in sent.items():
            print(f"statements per home screen, {count:2} loans: {len(statements)}")
        if len({tuple(sorted(s)) for s in sent.values()}) != 1:
            anomalies.append(f"the statements grow with the list: {sent}")
        token = tokens[LOANS_SHOWN]
        first = {
            key: harness.post_graphql(base, query, {}, token)[1] for key, query in SCENARIOS.items()
        }
        if not harness.answers_right(wrong_answer(key, a) for key, a in first.items()):
            return 1
        load_before = os.getloadavg()
        share_before = cpu.snapshot([server.process.pid])
        measured, cpu_ms = measure_rounds(f"{base}/graphql", token, server.process.pid, args)
        share = cpu.foreign_share(share_before, cpu.snapshot([server.process.pid]))
        load_after = os.getloadavg()
        anomalies += harness.served_anomalies("agora", harness.agora_outcomes(base))
    anomalies += [
        f"agora logged {n}x: {what}" for what, n in harness.logged_problems(server.log_path).items()
    ]
    anomalies += [
        f"{key}: {sum(m.errors for m in runs)} failed requests"
        for key, runs in measured.items()
        if any(m.errors for m in runs)
    ]
    summary = {}
    for key, runs in measured.items():
        summary[key] = {
            "rate": statistics.median(m.rps for m in runs),
            "p50_ms": statistics.median(m.p50_ms for m in runs),
            "p99_ms": statistics.median(m.p99_ms for m in runs),
            "cpu_ms": cpu_ms[key],
            "rounds": [{"rps": m.rps, "p50_ms": m.p50_ms, "p99_ms": m.p99_ms} for m in runs],
        }
    print(f"\n{'scenario':<26}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms':>9}{'CPU vs me':>11}")
    for key, row in summary.items():
        print(
            f"{LABELS[key]:<26}{row['rate']:>8.1f}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}"
            f"{row['cpu_ms']:>9.2f}{row['cpu_ms'] / summary['me']['cpu_ms']:>11.2f}"
        )
    print(f"load average before {load_before}, after {load_after}")
    load.print_foreign_share(share)
    report = harness.report_head("home_screen", harness.revision(), ["strawberry-graphql"])
    report |= {
        "rate": args.rate,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "statements": {count: len(s) for count, s in sent.items()},
        "statement_texts": sent,
        "summary": summary,
        "load_average": {"before": load_before, "after": load_after},
        "foreign_share": share,
        "anomalies": anomalies,
    }
    harness.write_results(args.output, report, announce=True)
    return harness.exit_status(anomalies)


if __name__ == "__main__":
    raise SystemExit(main())
