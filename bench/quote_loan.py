"""Benchmark: `quoteLoan` over HTTP against a bare strawberry ceiling measured in the same run.

Starts `agora serve` (real PostgreSQL and Redis, production settings) and the bare app of
bench/bare_strawberry.py, each one uvicorn worker on a free port, then measures in
interleaved rounds:

    bare    { __typename } on bare strawberry: the ceiling
    agora   { __typename } on Agora: the cost of our HTTP and GraphQL layers
    q12     quoteLoan, 12 months, EQUAL_INSTALLMENT, every field
    q360    quoteLoan, 360 months, EQUAL_INSTALLMENT, every field

and reports req/s, p50 and p99 of each (median over rounds) and its ratio to the ceiling,
then p50 and p99 with a single connection (no queueing), and how much of the machine other
work took meanwhile. Results go to stdout and bench/results/quote_loan.json. Exits 1 if any
answer was wrong: a bad first answer, a failed request, or an error in Agora's own metrics.

    python bench/quote_loan.py [--seconds 10] [--rounds 3] [--connections 16]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg
from prometheus_client.parser import text_string_to_metric_families

# isort: split
# Siblings in bench/: running a script puts its own directory first on sys.path.
import cpu
import load
import servers

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
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
    server: str  # "bare" or "agora"
    body: bytes
    check: Check


@dataclass(frozen=True)
class Result:
    key: str
    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    ratio: float
    unloaded_p50_ms: float  # one connection: a lone client's latency, no queueing
    unloaded_p99_ms: float
    errors: int
    rounds: list[dict[str, float]]


def graphql_body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}).encode()


def quote_scenario(months: int) -> Scenario:
    # Clients send variables, not inlined literals: one cached document for every loan.
    variables = {
        "input": {
            "principal": "100000.00",
            "currency": "CNY",
            "annualRate": "0.0435",
            "termMonths": months,
            "method": "EQUAL_INSTALLMENT",
        }
    }

    def check(data: dict[str, Any]) -> str | None:
        count = len(data["quoteLoan"]["installments"])
        return None if count == months else f"{count} installments, expected {months}"

    return Scenario(
        f"q{months}",
        f"Agora quoteLoan {months} months",
        "agora",
        graphql_body(QUOTE_QUERY, variables),
        check,
    )


def typename_check(data: dict[str, Any]) -> str | None:
    return None if data == {"__typename": "Query"} else f"unexpected data {data}"


SCENARIOS = (
    Scenario("bare", "bare strawberry { __typename }", "bare", graphql_body(TYPENAME_QUERY),
             typename_check),
    Scenario("agora", "Agora { __typename }", "agora", graphql_body(TYPENAME_QUERY),
             typename_check),
    quote_scenario(12),
    quote_scenario(360),
)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    asyncio.run(ensure_database(args.database_url))
    print(
        f"revision {_revision()}; load: {load.loader_name()}, {args.connections} connections, "
        f"{args.rounds} rounds of {args.seconds} s, {args.warmup} s warm-up",
        flush=True,
    )
    with ExitStack() as stack:
        running = {
            "agora": stack.enter_context(agora_server(args)),
            "bare": stack.enter_context(bare_server()),
        }
        urls = {name: server.base_url for name, server in running.items()}
        failures = [f for s in SCENARIOS if (f := first_response_problem(s, urls[s.server]))]
        if failures:
            print("wrong answers, not measuring:\n" + "\n".join(failures), file=sys.stderr)
            return 1
        pids = [server.process.pid for server in running.values()]
        before = cpu.snapshot(pids)
        rounds = run_rounds(urls, args)
        unloaded = run_unloaded(urls, args)
        foreign = cpu.foreign_share(before, cpu.snapshot(pids))
        served = agora_outcomes(urls["agora"])
    results = summarize(rounds, unloaded)
    print_table(results)
    if foreign is not None:
        print(f"\nother work on the machine meanwhile: {foreign:.0%} of its cores")
    anomalies = find_anomalies(results, served) + logged_problems(running["agora"].log_path)
    write_json(args.output, args, results, served, anomalies, foreign)
    for anomaly in anomalies:
        print(f"ANOMALY: {anomaly}", file=sys.stderr)
    return 1 if anomalies else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved; medians reported")
    parser.add_argument("--warmup", type=int, default=3, help="seconds per scenario, unrecorded")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--unloaded-seconds", type=int, default=5, help="per scenario, one connection"
    )
    parser.add_argument(
        "--rate-limits",
        action="store_true",
        help="keep Agora's per-IP rate limiter on (raised out of reach) to include its cost",
    )
    parser.add_argument("--database-url", default=DATABASE_URL)
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--output", type=Path, default=RESULTS / "quote_loan.json")
    return parser


async def ensure_database(url: str) -> None:
    """Create the benchmark's database if missing (`agora serve --migrate` fills it)."""
    server_url, _, name = url.replace("+asyncpg", "").rpartition("/")
    connection = await asyncpg.connect(f"{server_url}/postgres")
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


@contextmanager
def agora_server(args: argparse.Namespace) -> Iterator[servers.Server]:
    port = servers.free_port()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "AGORA_ENV": "production",
        "AGORA_LOG_LEVEL": "warning",  # access logs are info: keep them off the hot path
        # Production refuses to start without its keys; nothing here outlives the run.
        "AGORA_JWT_SECRET": _throwaway_key(),
        "AGORA_DATA_KEY": _throwaway_key(),
        # One address sends all the load: the per-IP limit would refuse most of it.
        "AGORA_RATE_LIMITS_ENABLED": "true" if args.rate_limits else "false",
        "AGORA_RATE_LIMIT_PER_IP": UNREACHABLE_LIMIT,
    }
    # api.cli is what the `agora` script runs; this interpreter works without an activated venv.
    argv = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--migrate"]
    with servers.running("agora", argv, port=port, ready_path="/readyz",
                         log_path=RESULTS / "agora.log", env=env, cwd=REPO) as server:  # fmt: skip
        yield server


def _throwaway_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


@contextmanager
def bare_server() -> Iterator[servers.Server]:
    port = servers.free_port()
    argv = [sys.executable, str(REPO / "bench" / "bare_strawberry.py"), "--port", str(port)]
    ready = "/graphql?query=" + urllib.parse.quote(TYPENAME_QUERY)
    with servers.running("bare strawberry", argv, port=port, ready_path=ready,
                         log_path=RESULTS / "bare_strawberry.log", cwd=REPO) as server:  # fmt: skip
        yield server


def first_response_problem(scenario: Scenario, base_url: str) -> str | None:
    """What is wrong with one answer to the scenario's request, or None if it is right."""
    request = urllib.request.Request(
        f"{base_url}/graphql",
        data=scenario.body,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:  # a 4xx/5xx is an answer to report, not a crash
        status, raw = error.code, error.read()
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = {}
    if status != 200 or payload.get("errors") or not payload.get("data"):
        return f"{scenario.key}: HTTP {status} {raw[:500]!r}"
    problem = scenario.check(payload["data"])
    return f"{scenario.key}: {problem}" if problem else None


def run_rounds(urls: dict[str, str], args: argparse.Namespace) -> dict[str, list[load.Measurement]]:
    """Warm every scenario up, then measure them in turn, round after round.

    Interleaving spreads the machine's drift (other tenants, thermal) over all scenarios
    alike, so the ratios stay fair even when the absolute figures wander.
    """
    for scenario in SCENARIOS:
        _measure(scenario, urls, connections=args.connections, seconds=args.warmup)
    rounds: dict[str, list[load.Measurement]] = {s.key: [] for s in SCENARIOS}
    for number in range(1, args.rounds + 1):
        for scenario in SCENARIOS:
            measurement = _measure(
                scenario, urls, connections=args.connections, seconds=args.seconds
            )
            rounds[scenario.key].append(measurement)
            _report(f"round {number}", scenario, measurement)
    return rounds


def run_unloaded(urls: dict[str, str], args: argparse.Namespace) -> dict[str, load.Measurement]:
    """Latency with one connection: under saturation p50 is mostly queueing (~ connections /
    rps), this is the time one request takes when it has the server to itself."""
    unloaded = {}
    for scenario in SCENARIOS:
        measurement = _measure(scenario, urls, connections=1, seconds=args.unloaded_seconds)
        unloaded[scenario.key] = measurement
        _report("1 conn ", scenario, measurement)
    return unloaded


def _measure(
    scenario: Scenario, urls: dict[str, str], *, connections: int, seconds: int
) -> load.Measurement:
    url = f"{urls[scenario.server]}/graphql"
    return load.measure(url, scenario.body, connections=connections, seconds=seconds)


def _report(phase: str, scenario: Scenario, m: load.Measurement) -> None:
    print(f"{phase} {scenario.key:<6} {m.rps:9.1f} req/s  p50 {m.p50_ms:7.2f} ms  "
          f"p99 {m.p99_ms:7.2f} ms  errors {m.errors}", flush=True)  # fmt: skip


def agora_outcomes(base_url: str) -> dict[str, dict[str, float]]:
    """Agora's own count of what it answered: HTTP statuses and GraphQL outcomes."""
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=10) as response:
        text = response.read().decode()
    served: dict[str, dict[str, float]] = {"http_status": {}, "graphql_outcome": {}}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "agora_http_requests_total":
                if sample.labels["route"] == "/graphql":
                    _tally(served["http_status"], sample.labels["status"], sample.value)
            elif sample.name == "agora_graphql_operations_total":
                _tally(served["graphql_outcome"], sample.labels["outcome"], sample.value)
    return served


def _tally(counts: dict[str, float], key: str, value: float) -> None:
    counts[key] = counts.get(key, 0) + value


def summarize(
    rounds: dict[str, list[load.Measurement]], unloaded: dict[str, load.Measurement]
) -> list[Result]:
    def median(key: str, attribute: str) -> float:
        return statistics.median(getattr(m, attribute) for m in rounds[key])

    ceiling = median("bare", "rps")
    return [
        Result(
            key=s.key,
            label=s.label,
            rps=median(s.key, "rps"),
            p50_ms=median(s.key, "p50_ms"),
            p99_ms=median(s.key, "p99_ms"),
            ratio=median(s.key, "rps") / ceiling,
            unloaded_p50_ms=unloaded[s.key].p50_ms,
            unloaded_p99_ms=unloaded[s.key].p99_ms,
            errors=sum(m.errors for m in rounds[s.key]) + unloaded[s.key].errors,
            rounds=[
                {"rps": m.rps, "p50_ms": m.p50_ms, "p99_ms": m.p99_ms, "requests": m.requests}
                for m in rounds[s.key]
            ],
        )
        for s in SCENARIOS
    ]


def print_table(results: list[Result]) -> None:
    print(f"\n{'':<34}{'-- saturated ' + '-' * 29:>42}{'-- 1 connection ---':>22}")
    print(f"{'scenario':<34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'vs ceiling':>12}"
          f"{'p50 ms':>11}{'p99 ms':>11}")  # fmt: skip
    for r in results:
        print(f"{r.label:<34}{r.rps:>10.1f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}{r.ratio:>12.3f}"
              f"{r.unloaded_p50_ms:>11.2f}{r.unloaded_p99_ms:>11.2f}")  # fmt: skip


def find_anomalies(results: list[Result], served: dict[str, dict[str, float]]) -> list[str]:
    anomalies = [f"{r.key}: {r.errors} failed requests" for r in results if r.errors]
    anomalies += [
        f"agora answered {count:.0f} GraphQL requests with HTTP {status}"
        for status, count in served["http_status"].items()
        if status != "200"
    ]
    anomalies += [
        f"agora counted {count:.0f} GraphQL operations as {outcome}"
        for outcome, count in served["graphql_outcome"].items()
        if outcome != "ok"
    ]
    return anomalies


def logged_problems(log_path: Path) -> list[str]:
    """What Agora logged, grouped: at warning level a healthy run logs nothing at all."""
    counts: dict[str, int] = {}
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict):  # not one of structlog's JSON lines
            entry = {"level": "unstructured", "event": line[:200]}
        # The last line of a traceback names the exception: the key to group repeats by.
        traceback = str(entry.get("exception") or "").strip().splitlines()
        what = f"{entry.get('level')} {str(entry.get('event', '')).strip()}"
        what += f" ({traceback[-1]})" if traceback else ""
        counts[what] = counts.get(what, 0) + 1
    return [f"agora logged {count}× {what}" for what, count in counts.items()]


def write_json(
    path: Path,
    args: argparse.Namespace,
    results: list[Result],
    served: dict[str, dict[str, float]],
    anomalies: list[str],
    foreign_share: float | None,
) -> None:
    report = {
        "benchmark": "quote_loan",
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "revision": _revision(),
        "machine": _machine(),
        "other_work_share_of_cores": foreign_share,
        "settings": {
            "loader": load.loader_name(),
            "connections": args.connections,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "warmup_seconds": args.warmup,
            "unloaded_seconds": args.unloaded_seconds,
            "agora_rate_limits": args.rate_limits,
        },
        "results": [asdict(r) for r in results],
        "agora_served": served,
        "anomalies": anomalies,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {path}")


def _revision() -> str:
    """The commit measured; "-dirty" when the work tree had uncommitted edits."""
    try:
        described = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return described.stdout.strip()


def _machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {
            name: version(name) for name in ("strawberry-graphql", "graphql-core", "uvicorn")
        },
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
