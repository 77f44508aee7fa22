"""Benchmark: the lending use case choosing a loan's sources among 100k open ones in PostgreSQL.

bench/matching.py times the engine and the index in-process. This times what a listing does
(domain/lending/services/matching.py) to get from the tables to the engine's fills, over the
same seeded market written to a fresh database (`agora_bench_matching`, migrated to head):

- before (tables): read every open offer and active rule that accepts the loan
  (`bank_offer_sources`, `auto_invest_sources`) and run `match_loan` over them, as every
  listing did before the index was wired in;
- after (index): `indexed_sources`, this process's index of open sources (built once,
  on first use, its time reported apart), brought up to date from the tables (one indexed
  statement), walked, and the sources it read checked again by id, then `match_loan` over
  those.

Both must choose the same fills. Each run is one transaction, rolled back; the two and the
in-process `sorted()` ceiling of bench/matching.py (the same sources, ranked by the engine's
key) are interleaved run by run. Figures are p50 of --runs, in this process's CPU time
(PostgreSQL's share is in the wall-clock figure only).

    .venv/bin/python bench/matching_service.py [--sizes 100000] [--runs 11] [--seed 7]
        [--database-url postgresql+asyncpg://…/agora_bench_matching]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cpu
import harness
from harness import RESULTS, migrated_database, plain_url
from matching import LOAN, NOW, REFERENCE_RATE, market, sort_ceiling

from domain.lending.services.match_sources import (
    auto_invest_sources,
    bank_offer_sources,
    loan_to_fund,
    screened_sources,
)
from domain.lending.services.open_sources import SourceCache, indexed_sources
from domain.lending.tables import Loan, LoanProductRow
from domain.matching.engine import match_loan
from domain.matching.sources import AutoInvestRule, BankOffer

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_matching"
BORROWER = uuid.UUID("00000000-0000-0000-0000-00000000b0b0")
PRODUCT = uuid.UUID("00000000-0000-0000-0000-0000000000a1")


def _id(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, name)


async def fill(url: str, offers: list[BankOffer], rules: list[AutoInvestRule]) -> None:
    """The market as rows: participants for every bank and investor, one product."""
    connection = await asyncpg.connect(plain_url(url))
    try:
        people = {o.funder_id for o in offers} | {r.investor_id for r in rules}
        await connection.copy_records_to_table(
            "participant",
            columns=[
                "id",
                "kind",
                "display_name",
                "password_hash",
                "roles",
                "kyc_status",
                "kyc_level",
                "failed_logins",
                "created_at",
                "updated_at",
            ],
            records=[
                (_id(p), "PERSON", p, "x", ["INVESTOR"], "VERIFIED", 1, 0, NOW, NOW)
                for p in [*people, "borrower"]
            ],
        )
        await connection.execute(
            "UPDATE participant SET id = $1 WHERE id = $2", BORROWER, _id("borrower")
        )
        await connection.copy_records_to_table(
            "bank_funding_offer",
            columns=[
                "id",
                "bank_id",
                "currency",
                "capacity",
                "committed",
                "rate_floor",
                "spread",
                "grades",
                "min_term_months",
                "max_term_months",
                "min_amount",
                "max_amount",
                "per_borrower_cap",
                "expires_at",
                "status",
                "kind",
                "core_enterprise_ids",
                "version",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    _id(o.offer_id),
                    _id(o.funder_id),
                    o.currency,
                    o.capacity,
                    0,
                    o.rate_floor,
                    o.spread,
                    sorted(o.grades),
                    o.min_term,
                    o.max_term,
                    o.min_amount,
                    o.max_amount,
                    o.per_borrower_cap,
                    o.expires_at,
                    "OPEN",
                    "LOAN",
                    [],
                    1,
                    o.created_at,
                    o.created_at,
                )
                for o in offers
                if o.capacity > 0  # the table has no open offer without room
            ],
        )
        await connection.copy_records_to_table(
            "auto_invest_rule",
            columns=[
                "id",
                "investor_id",
                "currency",
                "grades",
                "min_term_months",
                "max_term_months",
                "min_rate",
                "max_per_loan",
                "daily_budget",
                "active",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    _id(r.rule_id),
                    _id(r.investor_id),
                    r.currency,
                    sorted(r.grades),
                    r.min_term,
                    r.max_term,
                    r.min_rate,
                    r.max_per_loan,
                    r.budget_remaining,
                    True,
                    r.created_at,
                    r.created_at,
                )
                for r in rules
            ],
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def _product() -> LoanProductRow:
    return LoanProductRow(
        id=PRODUCT,
        code="BENCH",
        version=1,
        name="Bench",
        currency="CNY",
        min_amount=100_000,
        max_amount=100_000_000,
        min_term_months=3,
        max_term_months=36,
        repayment_method="EQUAL_INSTALLMENT",
        rounding="HALF_UP",
        min_rate=Decimal("0.01"),
        max_rate=Decimal("0.24"),
        fees=[],
        penalty_daily_rate=Decimal("0.0005"),
        grace_days=3,
        default_days=90,
        funding_channels=["BANK_OFFERS", "INVESTOR_NOTES"],
        cover_kind="NONE",
        cover_share=Decimal(0),
        early_repayment="ACCRUED_TO_DATE",
        transfer_rules={},
        platform_spread=Decimal("0.02"),
        note_size=5000,
        min_investment=5000,
        max_investor_share=Decimal("1"),
        funding_days=7,
        created_at=NOW,
    )


def _loan(rate: Decimal, funder_rate: Decimal) -> Loan:
    return Loan(
        id=uuid.uuid4(),
        application_id=uuid.uuid4(),
        borrower_id=BORROWER,
        product_id=PRODUCT,
        currency="CNY",
        principal=LOAN.amount,
        term_months=LOAN.term_months,
        repayment_method="EQUAL_INSTALLMENT",
        rounding="HALF_UP",
        grade=LOAN.grade,
        borrower_rate=rate,
        funder_rate=funder_rate,
        state="LISTED",
        listed_at=NOW,
        funding_deadline=NOW + timedelta(days=7),
    )


async def _timed(work: Any) -> tuple[float, float, Any]:
    wall, used = time.perf_counter(), time.process_time()
    result = await work
    return (time.perf_counter() - wall) * 1000, (time.process_time() - used) * 1000, result


async def measure(size: int, runs: int, seed: int, url: str) -> list[dict[str, Any]]:
    offers, rules = market(size, seed)
    # The service quotes spreads over the loan's own rate (the borrower's), not the market
    # rate bench/matching.py uses: here every spread offer asks more than the loan pays.
    await migrated_database(url)
    await fill(url, offers, rules)
    engine = create_async_engine(url, pool_size=2)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    product, cache = _product(), SourceCache()
    rows = []
    try:
        async with sessions() as session:
            build = await _timed(cache.refresh(session, NOW))
            await session.rollback()
        print(f"{size:>7} sources: index built in {build[1]:.0f} ms CPU ({build[0]:.0f} wall)")
        loans = {
            "typical": _loan(LOAN.annual_rate, LOAN.note_rate),
            "worst": _loan(Decimal("0.01"), Decimal("0.01")),
        }
        for name, loan in loans.items():

            async def tables(loan: Loan = loan) -> Any:
                async with sessions() as session:
                    target = await loan_to_fund(session, loan=loan, product=product)
                    found = await bank_offer_sources(session, loan=loan, now=NOW)
                    held = await auto_invest_sources(session, loan=loan, now=NOW)
                    result = match_loan(
                        target, found, held, now=NOW, reference_rate=loan.borrower_rate
                    )
                    await session.rollback()
                    return result, len(found) + len(held)

            async def index(loan: Loan = loan) -> Any:
                async with sessions() as session:
                    target = await loan_to_fund(session, loan=loan, product=product)
                    found = await indexed_sources(
                        session,
                        loan=loan,
                        target=target,
                        now=NOW,
                        offers=True,
                        rules=True,
                        cache=cache,
                    )
                    assert found is not None
                    result = match_loan(target, *found, now=NOW, reference_rate=loan.borrower_rate)
                    await session.rollback()
                    return result, len(found[0]) + len(found[1])

            async def scan(loan: Loan = loan) -> Any:
                async with sessions() as session:
                    counted = await screened_sources(
                        session, loan=loan, now=NOW, offers=True, rules=True
                    )
                    await session.rollback()
                    return counted

            async with sessions() as session:
                target = await loan_to_fund(session, loan=loan, product=product)
                await session.rollback()

            async def counts(loan: Loan = loan, target: Any = target) -> Any:
                return cache.screened(loan, target, NOW, True, True)  # no statement

            (want, read_all), (got, read_few) = await tables(), await index()
            assert got.fills == want.fills
            assert got.unfilled == want.unfilled
            assert await scan() == await counts()  # the explanation's counts, two ways
            before, after, ceiling, scanned, counted = [], [], [], [], []
            for _ in range(runs):
                before.append((await _timed(tables()))[:2])
                after.append((await _timed(index()))[:2])
                scanned.append((await _timed(scan()))[:2])
                counted.append((await _timed(counts()))[:2])
                wall, used = time.perf_counter(), time.process_time()
                sort_ceiling(offers, rules)
                ceiling.append(
                    ((time.perf_counter() - wall) * 1000, (time.process_time() - used) * 1000)
                )
            row = {
                "sources": size,
                "loan": name,
                "fills": len(want.fills),
                "sources_to_engine_tables": read_all,
                "sources_to_engine_index": read_few,
                "index_build_cpu_ms": build[1],
                "index_build_wall_ms": build[0],
                **{
                    f"{label}_{kind}_p50_ms": statistics.median(x[i] for x in series)
                    for label, series in (
                        ("tables", before),
                        ("index", after),
                        ("sorted", ceiling),
                        ("screen_scan", scanned),
                        ("screen_index", counted),
                    )
                    for i, kind in enumerate(("wall", "cpu"))
                },
            }
            row["tables_vs_sorted_cpu"] = row["tables_cpu_p50_ms"] / row["sorted_cpu_p50_ms"]
            row["index_vs_sorted_cpu"] = row["index_cpu_p50_ms"] / row["sorted_cpu_p50_ms"]
            rows.append(row)
            print(
                f"{size:>7} sources {name:<8} fills {row['fills']:>3} | engine given "
                f"{read_all} (tables) / {read_few} (index) | tables cpu p50 "
                f"{row['tables_cpu_p50_ms']:.1f} ms (wall {row['tables_wall_p50_ms']:.1f}) | "
                f"index cpu p50 {row['index_cpu_p50_ms']:.2f} ms (wall "
                f"{row['index_wall_p50_ms']:.2f}) | sorted() cpu p50 "
                f"{row['sorted_cpu_p50_ms']:.1f} | vs sorted: tables "
                f"{row['tables_vs_sorted_cpu']:.2f}, index {row['index_vs_sorted_cpu']:.3f}",
                flush=True,
            )
            print(
                f"{size:>7} sources {name:<8} explanation's screened counts: scan "
                f"(screened_sources) cpu p50 {row['screen_scan_cpu_p50_ms']:.2f} ms (wall "
                f"{row['screen_scan_wall_p50_ms']:.1f}) | index "
                f"(SourceCache.screened) cpu p50 {row['screen_index_cpu_p50_ms']:.2f} ms (wall "
                f"{row['screen_index_wall_p50_ms']:.2f})",
                flush=True,
            )
    finally:
        await engine.dispose()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=DATABASE_URL, help="recreated on each run")
    args = parser.parse_args()
    before = cpu.snapshot([])
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        rows += asyncio.run(measure(size, args.runs, args.seed, args.database_url))
    share = cpu.foreign_share(before, cpu.snapshot([]))
    if share is not None:
        print(f"other work on the machine meanwhile: {share:.0%} of its cores")
    report = {
        "benchmark": "matching_service",
        "runs": args.runs,
        "seed": args.seed,
        "other_work_share_of_cores": share,
        "results": rows,
        "reference_rate": str(REFERENCE_RATE),
    }
    harness.write_results(RESULTS / "matching_service.json", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
