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
import json
import secrets
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

# isort: split
# Siblings in bench/: running a script puts its own directory first on sys.path.
import harness
import load
import servers

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench"
REDIS_URL = "redis://127.0.0.1:6379/15"
# The most Agora accepts (api.rate_limits.policy.MAX_AMOUNT per window) over the shortest
# window: every request is counted, and one worker answers far fewer than 10000 a second.
UNREACHABLE_LIMIT = "10000/second"
# Access tokens live 15 minutes; a run takes ~6. Sign in again before one gets this old.
TOKEN_MAX_AGE_SECONDS = 300

PLATFORM_QUERY = "{ platform { name } }"
ME_QUERY = "{ me { id } }"

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
class Result(load.ScenarioFigures):
    cost_ms: float  # 1000 / req/s: one request's share of the worker's time


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
    participant_id: str
    api_key: str
    access_token: str = ""
    signed_in_at: float = field(default=-1e9)

    def credential(self, auth: Auth) -> str:
        """What the caller sends as `Authorization: Bearer ...` ("" for anonymous)."""
        if auth == "none":
            return ""
        if auth == "api_key":
            return self.api_key
        if time.monotonic() - self.signed_in_at > TOKEN_MAX_AGE_SECONDS:
            self.access_token = harness.log_in(self.base_url, self.email)
            self.signed_in_at = time.monotonic()
        return self.access_token

    def headers(self, auth: Auth) -> dict[str, str]:
        credential = self.credential(auth)
        return {"Authorization": f"Bearer {credential}"} if credential else {}


def set_up_caller(base_url: str) -> Caller:
    """Register a merchant (BUSINESS, MERCHANT), sign in, create an API key.

    The key's scopes: PAYMENTS_READ, what a merchant's server typically holds, and
    PROFILE_READ, which `{ me { ... } }` requires of an API key.
    """
    email = f"bench-{int(time.time())}-{secrets.token_hex(4)}@example.com"
    participant_id, token = harness.sign_up(
        base_url, email, ["MERCHANT"], kind="BUSINESS", display_name="Auth Overhead Bench"
    )
    caller = Caller(base_url, email, participant_id, api_key="")
    caller.access_token, caller.signed_in_at = token, time.monotonic()
    created = harness.call(
        base_url,
        CREATE_API_KEY,
        {"input": {"name": "auth overhead bench", "scopes": ["PAYMENTS_READ", "PROFILE_READ"]}},
        "createApiKey",
        token,
    )
    caller.api_key = created["secret"]
    return caller


# -- running ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    asyncio.run(harness.ensure_database(args.database_url))
    revision = harness.revision()  # now: the servers load this code; the tree may move
    load.print_plan(revision, args)
    # Both servers share the run's keys, so a token signed by one is valid on the other.
    with (
        agora_server(args, rate_limits=True) as limits,
        agora_server(args, rate_limits=False) as open_,
    ):
        running = {"limits": limits, "open": open_}
        urls = {name: server.base_url for name, server in running.items()}
        # Set up on the server without limits: sign-in limits would refuse quick reruns.
        caller = set_up_caller(urls["open"])
        if not harness.answers_right(first_response_problem(s, urls, caller) for s in SCENARIOS):
            return 1

        def measure_one(scenario: Scenario, connections: int, seconds: int) -> load.Measurement:
            return load.measure(
                f"{urls[scenario.server]}/graphql",
                scenario.body,
                headers=caller.headers(scenario.auth),
                connections=connections,
                seconds=seconds,
            )

        pids = [server.process.pid for server in running.values()]
        rounds = load.measure_scenarios(SCENARIOS, measure_one, args, server_pids=pids, key_width=8)
        served = {name: harness.agora_outcomes(url) for name, url in urls.items()}
    results = summarize(rounds)
    comparisons = compare({r.key: r for r in results})
    print_tables(results, comparisons)
    load.print_foreign_share(rounds.foreign_share)
    known, anomalies = [], find_anomalies(results)
    for name, server in running.items():
        server_known, server_anomalies = served_problems(name, served[name], server.log_path)
        known += server_known
        anomalies += server_anomalies
    write_json(
        args.output,
        args,
        revision,
        results,
        comparisons,
        served,
        known,
        anomalies,
        rounds.foreign_share,
    )
    for note in known:
        print(f"note (not a failure): {note}", file=sys.stderr)
    return harness.exit_status(anomalies)


def _parser() -> argparse.ArgumentParser:
    parser = harness.arguments(
        __doc__, database_url=DATABASE_URL, redis_url=REDIS_URL, output="auth_overhead.json"
    )
    load.add_round_arguments(parser)
    return parser


@contextmanager
def agora_server(args: argparse.Namespace, *, rate_limits: bool) -> Iterator[servers.Server]:
    env = harness.agora_env(
        args.database_url,
        args.redis_url,
        AGORA_RATE_LIMITS_ENABLED="true" if rate_limits else "false",
        # Counted on every request, refusing none: all the load comes from one address and
        # one client, which the defaults (600 and 300 a minute) would refuse at once.
        AGORA_RATE_LIMIT_PER_IP=UNREACHABLE_LIMIT,
        AGORA_RATE_LIMIT_PER_CLIENT=UNREACHABLE_LIMIT,
    )
    name = "agora_limits" if rate_limits else "agora_open"
    with harness.agora_server(env, f"auth_overhead_{name}.log", name=name) as server:
        yield server


def first_response_problem(scenario: Scenario, urls: dict[str, str], caller: Caller) -> str | None:
    """What is wrong with one answer to the scenario's request, or None if it is right."""
    status, body = harness.post_graphql(
        urls[scenario.server], scenario.query, {}, caller.credential(scenario.auth)
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


# -- figures ------------------------------------------------------------------------------


def summarize(rounds: load.Rounds) -> list[Result]:
    return [
        Result(
            label=s.label,
            cost_ms=1000 / load.median(rounds.measured[s.key], "rps"),
            **load.figures(rounds, s.key),
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
    load.print_figures(results, label_width=32, extra=("ms/req", "cost_ms", 10, 3))
    print(f"\n{'ratio':<20}{'req/s':>8}{'p50':>8}{'p99':>8}{'+µs/req':>10}{'+µs 1conn':>11}  what")
    for c in comparisons:
        print(
            f"{c.numerator + ' / ' + c.denominator:<20}{c.rps_ratio:>8.3f}{c.p50_ratio:>8.3f}"
            f"{c.p99_ratio:>8.3f}{c.added_cost_us:>10.0f}{c.added_unloaded_p50_us:>11.0f}"
            f"  {c.meaning}"
        )


# -- checks -------------------------------------------------------------------------------


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
    abandoned = served["http_status"].get("499", 0)
    known = [f"{name}: {abandoned:.0f} requests abandoned by wrk at the end of a run (499)"]
    known = known if abandoned else []
    anomalies = harness.served_anomalies(name, served, statuses=("200", "499"))
    logged = harness.logged_problems(log_path)
    anomalies += [f"{name} logged {n}× {what}" for what, n in logged.items()]
    return known, anomalies


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
        **harness.report_head(
            "auth_overhead",
            revision,
            ("strawberry-graphql", "graphql-core", "uvicorn", "PyJWT", "limits"),
        ),
        "other_work_share_of_cores": foreign_share,
        "settings": {
            **load.round_settings(args),
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
    harness.write_results(path, report, announce=True)


if __name__ == "__main__":
    raise SystemExit(main())
