"""Benchmark: CPU per `quoteLoan` request in-process, the schema executed directly.

The schema is the one `agora serve` builds (`api.app.shared_schema`: production hardening,
the parser and validation caches, the metrics extension) and the context carries what a
request's does for an anonymous caller (system clock, platform profile, hardening policy,
an app whose metrics the extension counts into); no HTTP. Each request is
`schema.execute` of a cached document with variables, then the JSON encoding of the answer,
timed in this process's CPU time (`time.process_time`: waiting for a core does not count).
The figure is the mean over every request of every round, the garbage collector's passes
included; after warming up the process freezes what it has built (`gc.freeze()`), as
`agora serve`'s workers do once their app is built (`--no-freeze`: as they did before).

    python bench/quote_loan_cpu.py [--requests 50] [--rounds 6] [--no-freeze]

Selections measured, all on a 100,000.00 CNY loan at 4.35 %:

    q360-all       360 months, every installment field (bench/quote_loan.py's query)
    q360-totals    360 months, totals and APR only
    q360-compact   360 months, `schedule` (the installments as columns) and the totals
    q12-all        12 months, every installment field
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import platform
import statistics
import time
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

# Siblings in bench/: running a script puts its own directory first on sys.path.
import harness
from harness import RESULTS
from quote_loan import QUOTE_QUERY, quote_variables

from api.app import shared_schema
from api.metrics import Metrics
from domain.actors import Actor
from domain.clock import SystemClock
from domain.platform import PlatformProfile
from graph.context import Context
from graph.hardening import HardeningPolicy

_MONEY = "{ amount currency }"
TOTALS_QUERY = f"""
query QuoteLoan($input: LoanQuoteInput!) {{
  quoteLoan(input: $input) {{ totalInterest {_MONEY} totalPayment {_MONEY} apr }}
}}
"""
COMPACT_QUERY = f"""
query QuoteLoan($input: LoanQuoteInput!) {{
  quoteLoan(input: $input) {{
    schedule {{
      currency number dueDate principal interest total remainingPrincipal
    }}
    totalInterest {_MONEY} totalPayment {_MONEY} apr
  }}
}}
"""
SCENARIOS = {
    "q360-all": (QUOTE_QUERY, 360),
    "q360-totals": (TOTALS_QUERY, 360),
    "q360-compact": (COMPACT_QUERY, 360),
    "q12-all": (QUOTE_QUERY, 12),
}


def _context(hardening: HardeningPolicy) -> Context:
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(metrics=Metrics())))
    unused: Any = None  # stores and services quoteLoan never touches
    return Context(
        request=cast(Any, request),
        response=unused,
        clock=SystemClock(),
        platform=PlatformProfile(name="Agora", version="bench", currency="CNY"),
        actor=Actor.anonymous(),
        db=unused,
        identity=unused,
        hardening=hardening,
        rail=unused,
        rate_limits=unused,
        events=unused,
        transfers=unused,
        pledges=unused,
        webhook_urls=unused,
    )


async def _cpu_ms(query: str, months: int, requests: int, hardening: HardeningPolicy) -> float:
    schema = shared_schema(hardening)
    variables = quote_variables(months)
    started = time.process_time()
    for _ in range(requests):
        result = await schema.execute(
            query,
            variable_values=variables,
            context_value=_context(hardening),
            operation_name="QuoteLoan",
        )
        if result.errors:
            raise SystemExit(f"errors: {result.errors}")
        json.dumps({"data": result.data})
    return (time.process_time() - started) * 1000 / requests


async def _run(args: argparse.Namespace) -> list[dict[str, Any]]:
    hardening = HardeningPolicy.for_environment("production")
    names = [n for n in SCENARIOS if n in args.only.split(",")] if args.only else list(SCENARIOS)
    for name in list(names):  # warm: documents parsed, validated and cached
        query, months = SCENARIOS[name]
        try:
            await _cpu_ms(query, months, 2, hardening)
        except SystemExit as failed:
            print(f"{name}: not available here ({str(failed)[:100]})")
            names.remove(name)
    if args.freeze:
        gc.freeze()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(args.rounds):  # interleaved, so the machine's drift hits all alike
        for name in names:
            query, months = SCENARIOS[name]
            samples[name].append(await _cpu_ms(query, months, args.requests, hardening))
    rows = []
    for name, runs in samples.items():
        row = {
            "scenario": name,
            "cpu_ms_mean": statistics.fmean(runs),
            "cpu_ms_round_p50": statistics.median(runs),
            "cpu_ms_round_min": min(runs),
        }
        rows.append(row)
        print(
            f"{name:<14} CPU per request: mean {row['cpu_ms_mean']:6.2f} ms "
            f"(rounds: p50 {row['cpu_ms_round_p50']:.2f}, min {min(runs):.2f})"
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="per round and scenario")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--no-freeze", dest="freeze", action="store_false")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    args = parser.parse_args()
    rows = asyncio.run(_run(args))
    harness.write_results(
        RESULTS / "quote_loan_cpu.json",
        {
            "benchmark": "quote_loan_cpu",
            "date": datetime.now().astimezone().isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "requests": args.requests,
            "rounds": args.rounds,
            "frozen": args.freeze,
            "results": rows,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
