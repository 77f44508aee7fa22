"""Benchmark: what authentication, authorization and rate limits cost per request.

The same cheap query, `{ platform { name } }` (no database, no Redis of its own), sent
anonymously, with a JWT access token and with an API key, to `agora serve` with its rate
limits on (raised out of reach: counted on every request, never refusing) and to a second
`agora serve` with them off; so the only difference between scenarios is who the caller is
and what is counted. Measured in interleaved rounds:

    anon      anonymous, limits on: per-IP limit (one Redis script) and nothing else   (a)
    jwt       Bearer access token, limits on: HS256 verify, revocation MGET, per-client
              limit on top of the per-IP one                                              (b)
    key       Bearer API key, limits on: DB lookup by prefix, hash compare, commit,
              per-client limit on top of the per-IP one                                   (c)
    anon_off  anonymous, limits off: the ceiling, no Redis or database at all            (d)
    jwt_off   access token, limits off: authentication alone
    key_off   API key, limits off: authentication alone
    jwt_me    `{ me { id } }` with the access token, limits on: plus one database read
    key_me    `{ me { id } }` with the API key, limits on (the key holds PROFILE_READ,
              which `me` requires of an API key)

and reports req/s, p50 and p99 of each (median over rounds), the ratios (b)/(a), (c)/(a)
and (a)/(d) of req/s and of p50 and p99, what each adds per request, then p50 and p99 with
a single connection, and how much of the machine other work took meanwhile. Results go to
stdout and bench/results/auth_overhead.json. Exits 1 if any answer was wrong: a bad first
answer, a failed request, or an error in Agora's own metrics or log. The setup registers
a merchant (BUSINESS, MERCHANT), signs in and creates an API key through GraphQL.

    python bench/auth_overhead.py [--seconds 10] [--rounds 3] [--connections 16]
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
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

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
# The most Agora accepts (api.rate_limits.policy.MAX_AMOUNT per window) over the shortest
# window: every request is counted, and one worker answers far fewer than 10000 a second.
UNREACHABLE_LIMIT = "10000/second"
# Access tokens live 15 minutes; a run takes ~6. Sign in again before one gets this old.
TOKEN_MAX_AGE_SECONDS = 300

PLATFORM_QUERY = "{ platform { name } }"
ME_QUERY = "{ me { id } }"

REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) { participant { id } errors { code field message } }
}
"""
LOG_IN = """
mutation LogIn($input: LogInInput!) {
  logIn(input: $input) { accessToken errors { code field message } }
}
"""
CREATE_API_KEY = """
mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { apiKey { id prefix } secret errors { code field message } }
}
"""

Auth = Literal["none", "jwt", "api_key"]
ServerName = Literal["limits", "open"]  # rate limits on (out of reach), or off


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    server: ServerName
    auth: Auth
    query: str

    @property
    def body(self) -> bytes:
        return json.dumps({"query": self.query, "variables": {}}).encode()


SCENARIOS = (
    Scenario("anon", "(a) anonymous, limits on", "limits", "none", PLATFORM_QUERY),
    Scenario("jwt", "(b) access token, limits on", "limits", "jwt", PLATFORM_QUERY),
    Scenario("key", "(c) API key, limits on", "limits", "api_key", PLATFORM_QUERY),
    Scenario("anon_off", "(d) anonymous, limits off", "open", "none", PLATFORM_QUERY),
    Scenario("jwt_off", "access token, limits off", "open", "jwt", PLATFORM_QUERY),
    Scenario("key_off", "API key, limits off", "open", "api_key", PLATFORM_QUERY),
    Scenario("jwt_me", "access token, limits on, me", "limits", "jwt", ME_QUERY),
    Scenario("key_me", "API key, limits on, me", "limits", "api_key", ME_QUERY),
)
# (numerator, denominator, what the pair isolates)
COMPARISONS = (
    ("jwt", "anon", "access token + per-client limit vs anonymous (limits on)"),
    ("key", "anon", "API key + per-client limit vs anonymous (limits on)"),
    ("anon", "anon_off", "per-IP limit vs none (anonymous)"),
    ("jwt_off", "anon_off", "access token vs anonymous (limits off)"),
    ("key_off", "anon_off", "API key vs anonymous (limits off)"),
    ("jwt", "jwt_off", "per-IP + per-client limits (access token)"),
    ("key", "key_off", "per-IP + per-client limits (API key)"),
    ("jwt", "anon_off", "everything: access token and limits vs the ceiling"),
    ("key", "anon_off", "everything: API key and limits vs the ceiling"),
)


@dataclass(frozen=True)
class Result:
    key: str
    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    cost_ms: float  # 1000 / req/s: one request's share of the worker's time
    unloaded_p50_ms: float  # one connection: a lone client's latency, no queueing
    unloaded_p99_ms: float
    errors: int
    rounds: list[dict[str, float]]


@dataclass(frozen=True)
class Comparison:
    numerator: str
    denominator: str
    meaning: str
    rps_ratio: float
    p50_ratio: float
    p99_ratio: float
    added_cost_us: float  # per request, from the throughputs (1000/rps difference)
    added_unloaded_p50_us: float  # what a lone client waits longer


# -- the caller's credentials -------------------------------------------------------------


@dataclass
class Caller:
    """A merchant with an access token (renewed before it expires) and an API key."""

    base_url: str
    email: str
    password: str
    participant_id: str
    api_key: str
    access_token: str = ""
    signed_in_at: float = field(default=-1e9)

    def headers(self, auth: Auth) -> dict[str, str]:
        if auth == "none":
            return {}
        if auth == "api_key":
            return {"Authorization": f"Bearer {self.api_key}"}
        if time.monotonic() - self.signed_in_at > TOKEN_MAX_AGE_SECONDS:
            self.sign_in()
        return {"Authorization": f"Bearer {self.access_token}"}

    def sign_in(self) -> None:
        variables = {"input": {"login": self.email, "password": self.password}}
        payload = mutation(self.base_url, LOG_IN, variables, "logIn")
        self.access_token = payload["accessToken"]
        self.signed_in_at = time.monotonic()


def set_up_caller(base_url: str) -> Caller:
    """Register a merchant (BUSINESS, MERCHANT), sign in, create an API key.

    The key's scopes: PAYMENTS_READ, what a merchant's server typically holds, and
    PROFILE_READ, which `{ me { ... } }` requires of an API key.
    """
    email = f"bench-{int(time.time())}-{secrets.token_hex(4)}@example.com"
    password = secrets.token_urlsafe(18)
    registered = mutation(
        base_url,
        REGISTER,
        {
            "input": {
                "kind": "BUSINESS",
                "displayName": "Auth Overhead Bench",
                "email": email,
                "password": password,
                "roles": ["MERCHANT"],
            }
        },
        "register",
    )
    caller = Caller(base_url, email, password, registered["participant"]["id"], api_key="")
    caller.sign_in()
    created = mutation(
        base_url,
        CREATE_API_KEY,
        {"input": {"name": "auth overhead bench", "scopes": ["PAYMENTS_READ", "PROFILE_READ"]}},
        "createApiKey",
        headers=caller.headers("jwt"),
    )
    caller.api_key = created["secret"]
    return caller


def mutation(
    base_url: str,
    query: str,
    variables: dict[str, Any],
    name: str,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The mutation's payload; raises unless it answered 200 without any kind of error."""
    status, body = post_graphql(base_url, query, variables, headers or {})
    payload = (body.get("data") or {}).get(name)
    if status != 200 or body.get("errors") or not payload or payload.get("errors"):
        raise RuntimeError(f"{name} failed: HTTP {status} {json.dumps(body)[:500]}")
    result: dict[str, Any] = payload
    return result


def post_graphql(
    base_url: str, query: str, variables: dict[str, Any], headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{base_url}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:  # a 4xx/5xx is an answer to report, not a crash
        status, raw = error.code, error.read()
    try:
        body = json.loads(raw)
    except ValueError:
        body = {"unparsable": raw[:500].decode(errors="replace")}
    return status, body if isinstance(body, dict) else {"unexpected": body}


# -- running ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    asyncio.run(ensure_database(args.database_url))
    revision = _revision()  # now: the servers load this code; the tree may move during the run
    print(
        f"revision {revision}; load: {load.loader_name()}, {args.connections} connections, "
        f"{args.rounds} rounds of {args.seconds} s, {args.warmup} s warm-up",
        flush=True,
    )
    # Both servers share the keys, so a token signed by one is valid on the other.
    keys = {"AGORA_JWT_SECRET": _throwaway_key(), "AGORA_DATA_KEY": _throwaway_key()}
    with ExitStack() as stack:
        running = {
            "limits": stack.enter_context(agora_server(args, keys, rate_limits=True)),
            "open": stack.enter_context(agora_server(args, keys, rate_limits=False)),
        }
        urls = {name: server.base_url for name, server in running.items()}
        # Set up on the server without limits: sign-in limits would refuse quick reruns.
        caller = set_up_caller(urls["open"])
        failures = [p for s in SCENARIOS if (p := first_response_problem(s, urls, caller))]
        if failures:
            print("wrong answers, not measuring:\n" + "\n".join(failures), file=sys.stderr)
            return 1
        pids = [server.process.pid for server in running.values()]
        before = cpu.snapshot(pids)
        rounds = run_rounds(urls, caller, args)
        unloaded = run_unloaded(urls, caller, args)
        foreign = cpu.foreign_share(before, cpu.snapshot(pids))
        served = {name: agora_outcomes(url) for name, url in urls.items()}
    results = summarize(rounds, unloaded)
    comparisons = compare({r.key: r for r in results})
    print_tables(results, comparisons)
    if foreign is not None:
        print(f"\nother work on the machine meanwhile: {foreign:.0%} of its cores")
    known, anomalies = [], find_anomalies(results)
    for name, server in running.items():
        server_known, server_anomalies = served_problems(name, served[name], server.log_path)
        known += server_known
        anomalies += server_anomalies
    write_json(args.output, args, revision, results, comparisons, served, known, anomalies, foreign)
    for note in known:
        print(f"note (not a failure): {note}", file=sys.stderr)
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
    parser.add_argument("--database-url", default=DATABASE_URL)
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--output", type=Path, default=RESULTS / "auth_overhead.json")
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
def agora_server(
    args: argparse.Namespace, keys: dict[str, str], *, rate_limits: bool
) -> Iterator[servers.Server]:
    port = servers.free_port()
    env = {
        **os.environ,
        **keys,  # production refuses to start without them; nothing here outlives the run
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "AGORA_ENV": "production",
        "AGORA_LOG_LEVEL": "warning",  # access logs are info: keep them off the hot path
        "AGORA_RATE_LIMITS_ENABLED": "true" if rate_limits else "false",
        # Counted on every request, refusing none: all the load comes from one address and
        # one client, which the defaults (600 and 300 a minute) would refuse at once.
        "AGORA_RATE_LIMIT_PER_IP": UNREACHABLE_LIMIT,
        "AGORA_RATE_LIMIT_PER_CLIENT": UNREACHABLE_LIMIT,
    }
    name = "agora_limits" if rate_limits else "agora_open"
    # api.cli is what the `agora` script runs; this interpreter works without an activated venv.
    argv = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--migrate"]
    log_path = RESULTS / f"auth_overhead_{name}.log"
    with servers.running(name, argv, port=port, ready_path="/readyz", log_path=log_path,
                         env=env, cwd=REPO) as server:  # fmt: skip
        yield server


def _throwaway_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def first_response_problem(scenario: Scenario, urls: dict[str, str], caller: Caller) -> str | None:
    """What is wrong with one answer to the scenario's request, or None if it is right."""
    status, body = post_graphql(
        urls[scenario.server], scenario.query, {}, caller.headers(scenario.auth)
    )
    data = body.get("data")
    if status != 200 or body.get("errors") or not data:
        return f"{scenario.key}: HTTP {status} {json.dumps(body)[:500]}"
    expected = (
        {"platform": {"name": "Agora"}}
        if scenario.query == PLATFORM_QUERY
        else {"me": {"id": caller.participant_id}}
    )
    return None if data == expected else f"{scenario.key}: {data}, expected {expected}"


def run_rounds(
    urls: dict[str, str], caller: Caller, args: argparse.Namespace
) -> dict[str, list[load.Measurement]]:
    """Warm every scenario up, then measure them in turn, round after round.

    Interleaving spreads the machine's drift (other tenants, thermal) over all scenarios
    alike, so the ratios stay fair even when the absolute figures wander.
    """
    for scenario in SCENARIOS:
        _measure(scenario, urls, caller, connections=args.connections, seconds=args.warmup)
    rounds: dict[str, list[load.Measurement]] = {s.key: [] for s in SCENARIOS}
    for number in range(1, args.rounds + 1):
        for scenario in SCENARIOS:
            measurement = _measure(
                scenario, urls, caller, connections=args.connections, seconds=args.seconds
            )
            rounds[scenario.key].append(measurement)
            _report(f"round {number}", scenario, measurement)
    return rounds


def run_unloaded(
    urls: dict[str, str], caller: Caller, args: argparse.Namespace
) -> dict[str, load.Measurement]:
    """Latency with one connection: what one request takes with the server to itself."""
    unloaded = {}
    for scenario in SCENARIOS:
        measurement = _measure(scenario, urls, caller, connections=1, seconds=args.unloaded_seconds)
        unloaded[scenario.key] = measurement
        _report("1 conn ", scenario, measurement)
    return unloaded


def _measure(
    scenario: Scenario, urls: dict[str, str], caller: Caller, *, connections: int, seconds: int
) -> load.Measurement:
    return load.measure(
        f"{urls[scenario.server]}/graphql",
        scenario.body,
        headers=caller.headers(scenario.auth),
        connections=connections,
        seconds=seconds,
    )


def _report(phase: str, scenario: Scenario, m: load.Measurement) -> None:
    print(f"{phase} {scenario.key:<8} {m.rps:9.1f} req/s  p50 {m.p50_ms:7.2f} ms  "
          f"p99 {m.p99_ms:7.2f} ms  errors {m.errors}", flush=True)  # fmt: skip


# -- figures ------------------------------------------------------------------------------


def summarize(
    rounds: dict[str, list[load.Measurement]], unloaded: dict[str, load.Measurement]
) -> list[Result]:
    def median(key: str, attribute: str) -> float:
        return float(statistics.median(getattr(m, attribute) for m in rounds[key]))

    return [
        Result(
            key=s.key,
            label=s.label,
            rps=median(s.key, "rps"),
            p50_ms=median(s.key, "p50_ms"),
            p99_ms=median(s.key, "p99_ms"),
            cost_ms=1000 / median(s.key, "rps"),
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


def compare(results: dict[str, Result]) -> list[Comparison]:
    comparisons = []
    for numerator, denominator, meaning in COMPARISONS:
        a, b = results[numerator], results[denominator]
        comparisons.append(
            Comparison(
                numerator=numerator,
                denominator=denominator,
                meaning=meaning,
                rps_ratio=a.rps / b.rps,
                p50_ratio=a.p50_ms / b.p50_ms,
                p99_ratio=a.p99_ms / b.p99_ms,
                added_cost_us=(a.cost_ms - b.cost_ms) * 1000,
                added_unloaded_p50_us=(a.unloaded_p50_ms - b.unloaded_p50_ms) * 1000,
            )
        )
    return comparisons


def print_tables(results: list[Result], comparisons: list[Comparison]) -> None:
    print(f"\n{'':<32}{'-- saturated ' + '-' * 31:>44}{'-- 1 connection ---':>22}")
    print(f"{'scenario':<32}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'ms/req':>10}"
          f"{'p50 ms':>11}{'p99 ms':>11}")  # fmt: skip
    for r in results:
        print(f"{r.label:<32}{r.rps:>10.1f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}{r.cost_ms:>10.3f}"
              f"{r.unloaded_p50_ms:>11.2f}{r.unloaded_p99_ms:>11.2f}")  # fmt: skip
    print(f"\n{'ratio':<20}{'req/s':>8}{'p50':>8}{'p99':>8}{'+µs/req':>10}{'+µs 1conn':>11}  what")
    for c in comparisons:
        print(f"{c.numerator + ' / ' + c.denominator:<20}{c.rps_ratio:>8.3f}{c.p50_ratio:>8.3f}"
              f"{c.p99_ratio:>8.3f}{c.added_cost_us:>10.0f}{c.added_unloaded_p50_us:>11.0f}"
              f"  {c.meaning}")  # fmt: skip


# -- checks -------------------------------------------------------------------------------


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


def find_anomalies(results: list[Result]) -> list[str]:
    return [f"{r.key}: {r.errors} failed requests" for r in results if r.errors]


def served_problems(
    name: str, served: dict[str, dict[str, float]], log_path: Path
) -> tuple[list[str], list[str]]:
    """(notes, anomalies) on what one server counted and logged.

    Expected: wrk closes its connections with requests in flight at the end of every run;
    Agora counts those as HTTP 499 (the client left). Any other status, any GraphQL outcome
    but `ok` and anything logged at all (warning level: a healthy run logs nothing) fail.
    """
    known, anomalies = [], []
    for status, count in served["http_status"].items():
        if status == "499":
            known.append(f"{name}: {count:.0f} requests abandoned by wrk at the end of a run (499)")
        elif status != "200":
            anomalies.append(f"{name} answered {count:.0f} GraphQL requests with HTTP {status}")
    anomalies += [
        f"{name} counted {count:.0f} GraphQL operations as {outcome}"
        for outcome, count in served["graphql_outcome"].items()
        if outcome != "ok"
    ]
    anomalies += [f"{name} logged {n}× {what}" for what, n in logged_problems(log_path).items()]
    return known, anomalies


def logged_problems(log_path: Path) -> dict[str, int]:
    """What a server logged, grouped: at warning level a healthy run logs nothing at all."""
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
    return counts


# -- report -------------------------------------------------------------------------------


def write_json(
    path: Path,
    args: argparse.Namespace,
    revision: str,
    results: list[Result],
    comparisons: list[Comparison],
    served: dict[str, dict[str, dict[str, float]]],
    known: list[str],
    anomalies: list[str],
    foreign_share: float | None,
) -> None:
    report = {
        "benchmark": "auth_overhead",
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "revision": revision,
        "machine": _machine(),
        "other_work_share_of_cores": foreign_share,
        "settings": {
            "loader": load.loader_name(),
            "connections": args.connections,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "warmup_seconds": args.warmup,
            "unloaded_seconds": args.unloaded_seconds,
            "rate_limit_per_ip": UNREACHABLE_LIMIT,
            "rate_limit_per_client": UNREACHABLE_LIMIT,
        },
        "scenarios": [
            {"key": s.key, "label": s.label, "server": s.server, "auth": s.auth, "query": s.query}
            for s in SCENARIOS
        ],
        "results": [asdict(r) for r in results],
        "comparisons": [asdict(c) for c in comparisons],
        "agora_served": served,
        "notes": known,
        "anomalies": anomalies,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
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
            name: version(name)
            for name in ("strawberry-graphql", "graphql-core", "uvicorn", "PyJWT", "limits")
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
