"""Benchmark: the matching engine, one loan against 10k and 100k open offers, in-process.

The population is seeded and mixed like a busy market: 80 % partner-bank offers (rate
floors or spreads over a reference, grades, terms, amounts, per-borrower caps, some
expired) and 20 % investors' auto-invest rules. Two loans are matched against it:

- typical: a 100,000.00 CNY grade-B 12-month loan at 12 %; it fills after reading the
  cheapest few hundred sources, so the cost is ranking them all plus a few pops;
- worst: the same loan at 1 %, below every source's price: every source is read, refused
  and explained (a full drain of the heap, O(n log n)).

Each loan is matched twice: by `match_loan` over the source lists (ranking them all, one
decision per source read: the engine before the index), and by `OpenSources.match` over the
index of the same sources (kept ranked by currency, grade and term as they change; built once
here, its build time reported apart). Both must decide the same fills.

The ceiling is a plain `sorted()` of the same sources by the same key (price, created_at,
id), timed in the same run: ranking them is the least any price-time matcher must do. Each
figure is the median (p50) of --runs runs, in wall-clock and in this process's CPU time
(steadier on a shared machine); the ratios are match p50 / sorted p50.

    python bench/matching.py [--sizes 10000,100000] [--runs 15] [--seed 7]
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

# Siblings in bench/: running a script puts its own directory first on sys.path.
import cpu
import harness
from harness import RESULTS

from domain.matching.engine import match_loan
from domain.matching.index import OpenSources
from domain.matching.sources import AutoInvestRule, BankOffer, LoanToFund

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
REFERENCE_RATE = Decimal("0.0345")
GRADE_SETS = [frozenset("A"), frozenset("AB"), frozenset("ABC"), frozenset("ABCDE")]
LOAN = LoanToFund(
    loan_id="bench-loan",
    borrower_id="bench-borrower",
    amount=10_000_000,
    currency="CNY",
    grade="B",
    term_months=12,
    annual_rate=Decimal("0.12"),
    investor_rate=Decimal("0.10"),
)


def market(size: int, seed: int) -> tuple[list[BankOffer], list[AutoInvestRule]]:
    rng = random.Random(seed)
    offers, rules = [], []
    for n in range(size):
        created = NOW - timedelta(seconds=rng.randrange(30 * 86_400))
        low_term = rng.choice([1, 3, 6, 12])
        if rng.random() < 0.8:
            spread = rng.random() < 0.3
            offers.append(
                BankOffer(
                    offer_id=f"offer-{n:06d}",
                    funder_id=f"bank-{rng.randrange(20)}",
                    currency="CNY",
                    capacity=rng.randrange(0, 500_000_000),
                    grades=rng.choice(GRADE_SETS),
                    min_term=low_term,
                    max_term=low_term + rng.choice([0, 12, 24, 36]),
                    min_amount=rng.choice([1, 100_000, 1_000_000]),
                    max_amount=rng.choice([2_000_000, 5_000_000, 50_000_000]),
                    created_at=created,
                    rate_floor=None if spread else Decimal(rng.randrange(400, 1400)) / 10_000,
                    spread=Decimal(rng.randrange(50, 800)) / 10_000 if spread else None,
                    per_borrower_cap=rng.choice([None, 1_000_000, 5_000_000]),
                    expires_at=NOW + timedelta(hours=rng.randrange(-48, 24 * 30)),
                )
            )
        else:
            rules.append(
                AutoInvestRule(
                    rule_id=f"rule-{n:06d}",
                    investor_id=f"investor-{rng.randrange(size)}",
                    currency="CNY",
                    grades=rng.choice(GRADE_SETS),
                    min_term=low_term,
                    max_term=low_term + rng.choice([0, 12, 24, 36]),
                    min_rate=Decimal(rng.randrange(500, 1200)) / 10_000,
                    max_per_loan=rng.choice([5_000, 20_000, 100_000]),
                    budget_remaining=rng.randrange(0, 1_000_000),
                    created_at=created,
                )
            )
    return offers, rules


def sort_ceiling(offers: list[BankOffer], rules: list[AutoInvestRule]) -> None:
    def offer_key(o: BankOffer) -> tuple[Decimal, datetime, str]:
        asking = o.asking_rate(REFERENCE_RATE)
        return (Decimal("Infinity") if asking is None else asking, o.created_at, o.offer_id)

    sorted(offers, key=offer_key)
    sorted(rules, key=lambda r: (LOAN.note_rate, r.created_at, r.rule_id))


def elapsed_ms(work: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds of one call. On a shared machine the CPU time of
    this process is the steadier figure: waiting for a core does not count in it."""
    wall, used = time.perf_counter(), time.process_time()
    work()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - used) * 1000


def _summary(name: str, runs: list[tuple[float, float]]) -> dict[str, float]:
    wall, used = [w for w, _ in runs], [c for _, c in runs]
    return {
        f"{name}_p50_ms": statistics.median(wall),
        f"{name}_min_ms": min(wall),
        f"{name}_cpu_p50_ms": statistics.median(used),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = []
    before = cpu.snapshot([])
    for size in (int(s) for s in args.sizes.split(",")):
        offers, rules = market(size, args.seed)
        build_ms = elapsed_ms(partial(OpenSources.of, offers, rules))
        index = OpenSources.of(offers, rules)
        print(f"{size:>7} sources: index built in {build_ms[1]:.1f} ms CPU", flush=True)
        worst = replace(LOAN, annual_rate=Decimal("0.01"), investor_rate=None)
        loans = {"typical": LOAN, "worst": worst}
        for name, loan in loans.items():
            result = match_loan(loan, offers, rules, now=NOW, reference_rate=REFERENCE_RATE)
            indexed = index.match(loan, now=NOW, reference_rate=REFERENCE_RATE)  # builds the view
            assert indexed.fills == result.fills
            assert indexed.unfilled == result.unfilled
            # Interleaved so the machine's drift hits the engine and its ceiling alike.
            match_ms, index_ms, sort_ms = [], [], []
            for _ in range(args.runs):
                match = partial(
                    match_loan, loan, offers, rules, now=NOW, reference_rate=REFERENCE_RATE
                )
                match_ms.append(elapsed_ms(match))
                index_ms.append(
                    elapsed_ms(partial(index.match, loan, now=NOW, reference_rate=REFERENCE_RATE))
                )
                sort_ms.append(elapsed_ms(partial(sort_ceiling, offers, rules)))
            row = {
                "sources": size,
                "loan": name,
                "considered": len(result.decisions),
                "fills": len(result.fills),
                "unfilled": result.unfilled,
                "index_build_cpu_ms": build_ms[1],
                **_summary("match", match_ms),
                **_summary("index", index_ms),
                **_summary("sorted", sort_ms),
            }
            row["vs_sorted"] = row["match_p50_ms"] / row["sorted_p50_ms"]
            row["vs_sorted_cpu"] = row["match_cpu_p50_ms"] / row["sorted_cpu_p50_ms"]
            row["index_vs_sorted_cpu"] = row["index_cpu_p50_ms"] / row["sorted_cpu_p50_ms"]
            rows.append(row)
            print(
                f"{size:>7} sources {name:<8} read {row['considered']:>7} "
                f"fills {row['fills']:>3} | match_loan cpu p50 {row['match_cpu_p50_ms']:7.1f} ms"
                f" (wall {row['match_p50_ms']:.1f}) | index cpu p50 "
                f"{row['index_cpu_p50_ms']:7.2f} ms (wall {row['index_p50_ms']:.2f}) | "
                f"sorted() cpu p50 {row['sorted_cpu_p50_ms']:7.1f} | cpu ratio match_loan "
                f"{row['vs_sorted_cpu']:.2f}, index {row['index_vs_sorted_cpu']:.3f}",
                flush=True,
            )
    share = cpu.foreign_share(before, cpu.snapshot([]))
    if share is not None:
        print(f"other work on the machine meanwhile: {share:.0%} of its cores")
    report = {
        "benchmark": "matching",
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "runs": args.runs,
        "seed": args.seed,
        "other_work_share_of_cores": share,
        "results": rows,
    }
    harness.write_results(RESULTS / "matching.json", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
