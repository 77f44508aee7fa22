"""Benchmark: `quoteLoan` over HTTP against a bare strawberry ceiling measured in the same run.

Starts `agora serve` (real PostgreSQL and Redis, production settings) and the bare app of
bench/bare_strawberry.py, each one uvicorn worker on a free port, then measures in
interleaved rounds:

    bare    { __typename } on bare strawberry: the ceiling
    before  { __typename } on another checkout's Agora (only with --baseline DIR)
    agora   { __typename } on Agora: the cost of our HTTP and GraphQL layers
    apq     { __typename } on Agora sent as an automatic persisted query (its hash only)
    q12     quoteLoan, 12 months, EQUAL_INSTALLMENT, every field
    q360    quoteLoan, 360 months, EQUAL_INSTALLMENT, every field

and reports req/s, p50 and p99 of each (median over rounds) and its ratio to the ceiling,
then p50 and p99 with a single connection (no queueing), and how much of the machine other
work took meanwhile. Results go to stdout and bench/results/quote_loan.json. Exits 1 if any
answer was wrong: a bad first answer, a failed request, or an error in Agora's own metrics.

    python bench/quote_loan.py [--seconds 10] [--rounds 3] [--connections 16]
                               [--baseline /path/to/other/checkout]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# isort: split
# Siblings in bench/: running a script puts its own directory first on sys.path.
import harness
import load
import servers
from harness import REPO, RESULTS

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench"
REDIS_URL = "redis://127.0.0.1:6379/15"
# With --rate-limits the limiter runs as in production, at a limit this machine cannot reach
# (Agora accepts at most 10000 per window; one worker answers well under 10000 a second).
UNREACHABLE_LIMIT = "10000/second"

TYPENAME_QUERY = "{ __typename }"
_MONEY = "{ amount currency }"
QUOTE_QUERY = f"""
query QuoteLoan($input: LoanQuoteInput!) {{
  quoteLoan(input: $input) {{
    installments {{
      number dueDate
      principal {_MONEY} interest {_MONEY} total {_MONEY} remainingPrincipal {_MONEY}
    }}
    totalInterest {_MONEY} totalPayment {_MONEY} apr
  }}
}}
"""

Check = Callable[[dict[str, Any]], str | None]  # the problem with `data`, or None


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    server: str  # "bare", "agora" or "before"
    query: str
    variables: dict[str, Any]
    check: Check
    persisted: bool = False  # sends the query's hash instead of its text (APQ)

    @property
    def payload(self) -> dict[str, Any]:
        if not self.persisted:
            return {"query": self.query, "variables": self.variables}
        sha = hashlib.sha256(self.query.encode()).hexdigest()
        persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha}}
        return {"variables": self.variables, "extensions": persisted}

    @property
    def body(self) -> bytes:
        return json.dumps(self.payload).encode()


@dataclass(frozen=True)
class Result(load.ScenarioFigures):
    ratio: float  # req/s over the ceiling's (bare strawberry)


def quote_variables(months: int) -> dict[str, Any]:
    """A 100,000.00 CNY loan at 4.35 % over `months`, equal installments."""
    return {
        "input": {
            "principal": "100000.00",
            "currency": "CNY",
            "annualRate": "0.0435",
            "termMonths": months,
            "method": "EQUAL_INSTALLMENT",
        }
    }


def quote_scenario(months: int) -> Scenario:
    # Clients send variables, not inlined literals: one cached document for every loan.
    variables = quote_variables(months)

    def check(data: dict[str, Any]) -> str | None:
        count = len(data["quoteLoan"]["installments"])
        return None if count == months else f"{count} installments, expected {months}"

    return Scenario(
        f"q{months}",
        f"Agora quoteLoan {months} months",
        "agora",
        QUOTE_QUERY,
        variables,
        check,
    )


def typename_check(data: dict[str, Any]) -> str | None:
    return None if data == {"__typename": "Query"} else f"unexpected data {data}"


BARE = Scenario(
    "bare", "bare strawberry { __typename }", "bare", TYPENAME_QUERY, {}, typename_check
)
BEFORE = Scenario(
    "before", "Agora before { __typename }", "before", TYPENAME_QUERY, {}, typename_check
)
SCENARIOS = (
    BARE,
    Scenario("agora", "Agora { __typename }", "agora", TYPENAME_QUERY, {}, typename_check),
    Scenario(
        "apq", "Agora { __typename }, persisted", "agora", TYPENAME_QUERY, {}, typename_check, True
    ),
    quote_scenario(12),
    quote_scenario(360),
)


def scenarios_for(args: argparse.Namespace) -> tuple[Scenario, ...]:
    """With --baseline, the other checkout's `{ __typename }` right after the ceiling."""
    return (BARE, BEFORE, *SCENARIOS[1:]) if args.baseline else SCENARIOS


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    asyncio.run(harness.ensure_database(args.database_url))
    revision = harness.revision()  # now: the servers load this code; the tree may move
    load.print_plan(revision, args)
    scenarios = scenarios_for(args)
    with (
        agora_server(args) as agora,
        bare_server() as bare,
        baseline_server(args) as before,
    ):
        urls = {"agora": agora.base_url, "bare": bare.base_url}
        pids = [agora.process.pid, bare.process.pid]
        if before is not None:
            urls["before"] = before.base_url
            pids.append(before.process.pid)
        if not harness.answers_right(first_response_problem(s, urls[s.server]) for s in scenarios):
            return 1

        def measure_one(scenario: Scenario, connections: int, seconds: int) -> load.Measurement:
            url = f"{urls[scenario.server]}/graphql"
            return load.measure(url, scenario.body, connections=connections, seconds=seconds)

        rounds = load.measure_scenarios(scenarios, measure_one, args, server_pids=pids, key_width=6)
        served = harness.agora_outcomes(urls["agora"])
    results = summarize(rounds, scenarios)
    load.print_figures(results, label_width=34, extra=("vs ceiling", "ratio", 12, 3))
    load.print_foreign_share(rounds.foreign_share)
    anomalies = find_anomalies(results, served)
    logged = harness.logged_problems(agora.log_path)
    anomalies += [f"agora logged {count}× {what}" for what, count in logged.items()]
    write_json(args.output, args, revision, results, served, anomalies, rounds.foreign_share)
    return harness.exit_status(anomalies)


def _parser() -> argparse.ArgumentParser:
    parser = harness.arguments(
        __doc__, database_url=DATABASE_URL, redis_url=REDIS_URL, output="quote_loan.json"
    )
    load.add_round_arguments(parser)
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of Agora (e.g. `git worktree add --detach /tmp/base main`) "
        "whose `{ __typename }` is measured in the same rounds, as `before`",
    )
    parser.add_argument(
        "--rate-limits",
        action="store_true",
        help="keep Agora's per-IP rate limiter on (raised out of reach) to include its cost",
    )
    return parser


@contextmanager
def agora_server(args: argparse.Namespace) -> Iterator[servers.Server]:
    env = harness.agora_env(
        args.database_url,
        args.redis_url,
        AGORA_RATE_LIMITS_ENABLED="true" if args.rate_limits else "false",
        AGORA_RATE_LIMIT_PER_IP=UNREACHABLE_LIMIT,
    )
    with harness.agora_server(env, "agora.log") as server:
        yield server


@contextmanager
def baseline_server(args: argparse.Namespace) -> Iterator[servers.Server | None]:
    """The other checkout's `agora serve` (its own code, this interpreter and database)."""
    if args.baseline is None:
        yield None
        return
    env = harness.agora_env(
        args.database_url,
        args.redis_url,
        AGORA_RATE_LIMITS_ENABLED="true" if args.rate_limits else "false",
        AGORA_RATE_LIMIT_PER_IP=UNREACHABLE_LIMIT,
        PYTHONPATH=str(args.baseline.resolve()),
    )
    with harness.agora_server(
        env, "agora_before.log", name="agora before", app_dir=args.baseline.resolve()
    ) as server:
        yield server


@contextmanager
def bare_server() -> Iterator[servers.Server]:
    port = servers.free_port()
    argv = [sys.executable, str(REPO / "bench" / "bare_strawberry.py"), "--port", str(port)]
    ready = "/graphql?query=" + urllib.parse.quote(TYPENAME_QUERY)
    with servers.running(
        "bare strawberry",
        argv,
        port=port,
        ready_path=ready,
        log_path=RESULTS / "bare_strawberry.log",
        cwd=REPO,
    ) as server:
        yield server


def first_response_problem(scenario: Scenario, base_url: str) -> str | None:
    """What is wrong with one answer to the scenario's request, or None if it is right.
    A persisted query unknown to the server (Redis keeps them a day: an earlier run may have
    sent it) must be answered PERSISTED_QUERY_NOT_FOUND, then be known once sent with its text."""
    if scenario.persisted:
        status, answer = harness.post_json(base_url, scenario.payload)
        codes = [e.get("extensions", {}).get("code") for e in answer.get("errors", ())]
        if codes == ["PERSISTED_QUERY_NOT_FOUND"] and status == 200:
            harness.post_json(base_url, {**scenario.payload, "query": scenario.query})
        elif status != 200 or codes:
            return f"{scenario.key}: unknown hash answered HTTP {status} {json.dumps(answer)}"
    status, answer = harness.post_json(base_url, scenario.payload)
    if status != 200 or answer.get("errors") or not answer.get("data"):
        return f"{scenario.key}: HTTP {status} {json.dumps(answer)[:500]}"
    problem = scenario.check(answer["data"])
    return f"{scenario.key}: {problem}" if problem else None


def summarize(rounds: load.Rounds, scenarios: Sequence[Scenario]) -> list[Result]:
    ceiling = load.median(rounds.measured["bare"], "rps")
    return [
        Result(
            label=s.label,
            ratio=load.median(rounds.measured[s.key], "rps") / ceiling,
            **load.figures(rounds, s.key),
        )
        for s in scenarios
    ]


def find_anomalies(results: list[Result], served: dict[str, dict[str, float]]) -> list[str]:
    anomalies = [f"{r.key}: {r.errors} failed requests" for r in results if r.errors]
    return anomalies + harness.served_anomalies("agora", served)


def write_json(
    path: Path,
    args: argparse.Namespace,
    revision: str,
    results: list[Result],
    served: dict[str, dict[str, float]],
    anomalies: list[str],
    foreign_share: float | None,
) -> None:
    report = {
        **harness.report_head(
            "quote_loan", revision, ("strawberry-graphql", "graphql-core", "uvicorn")
        ),
        "other_work_share_of_cores": foreign_share,
        "settings": {
            **load.round_settings(args),
            "agora_rate_limits": args.rate_limits,
            "baseline": str(args.baseline) if args.baseline else None,
        },
        "results": [asdict(r) for r in results],
        "agora_served": served,
        "anomalies": anomalies,
    }
    harness.write_results(path, report, announce=True)


if __name__ == "__main__":
    raise SystemExit(main())
