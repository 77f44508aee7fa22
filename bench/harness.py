"""What every Agora benchmark does around its measurement, written once.

A fresh database, `agora serve` in production settings on a free port, participants signed up
(and KYC-verified) through GraphQL as a client would, Agora's own counts from /metrics and its
log checked afterwards, `agora ledger verify`, and the results file with the revision and the
machine measured. The load itself is in load.py, the servers' processes in servers.py.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

# isort: split
# Siblings in bench/: running a script puts its own directory first on sys.path.
import servers
from autovacuum import autovacuum_on

from api.schema_migrations import upgrade_to_head
from domain.participants.identity_numbers import resident_id_check_char

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
PASSWORD = "bench horse battery staple"
REQUEST_TIMEOUT_SECONDS = 10
# Production refuses to start without its keys. One pair per run, shared by every server and
# CLI call of the run (a token one server signs is valid on another); nothing outlives it.
RUN_KEYS = {
    name: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    for name in ("AGORA_JWT_SECRET", "AGORA_DATA_KEY", "AGORA_METRICS_TOKEN")
}

REGISTER = (
    "mutation Register($input: RegisterInput!) { register(input: $input) { "
    "participant { id } errors { code field message } } }"
)
LOG_IN = (
    "mutation LogIn($input: LogInInput!) { logIn(input: $input) { "
    "accessToken participant { id } errors { code field message } } }"
)
SUBMIT_KYC = (
    "mutation SubmitKyc($input: SubmitKycInput!) { submitKyc(input: $input) { "
    "submission { id status } errors { code field message } } }"
)
DECIDE_KYC = (
    "mutation DecideKyc($input: DecideKycInput!) { decideKyc(input: $input) { "
    "submission { status } errors { code field message } } }"
)


def arguments(
    doc: str, *, database_url: str, redis_url: str | None = None, output: str | None = None
) -> argparse.ArgumentParser:
    """A benchmark's command line, described by its docstring's first line: --database-url,
    --redis-url (for those that start Agora) and --output (bench/results/`output`)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--database-url", default=database_url)
    if redis_url is not None:
        parser.add_argument("--redis-url", default=redis_url)
    if output is not None:
        parser.add_argument("--output", type=Path, default=RESULTS / output)
    return parser


# -- the database ---------------------------------------------------------------------------


def plain_url(url: str) -> str:
    """libpq's form of a SQLAlchemy URL (asyncpg and pgbench take it)."""
    return url.replace("+asyncpg", "")


async def recreate_database(url: str) -> None:
    """A fresh, empty database each run (`agora serve --migrate` fills it): runs compare."""
    server_url, _, name = plain_url(url).rpartition("/")
    connection = await asyncpg.connect(f"{server_url}/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def ensure_database(url: str) -> None:
    """Create the benchmark's database if missing (`agora serve --migrate` fills it)."""
    server_url, _, name = plain_url(url).rpartition("/")
    connection = await asyncpg.connect(f"{server_url}/postgres")
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def migrated_database(url: str) -> None:
    """A fresh database migrated to head, for benchmarks that call the use cases in-process."""
    await recreate_database(url)
    await asyncio.to_thread(upgrade_to_head, url)


# -- the server -----------------------------------------------------------------------------


def agora_env(database_url: str, redis_url: str, **settings: str) -> dict[str, str]:
    """`agora`'s environment in production settings; `settings` add or override variables."""
    return {
        **os.environ,
        **RUN_KEYS,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "AGORA_ENV": "production",
        "AGORA_LOG_LEVEL": "warning",  # access logs are info: keep them off the hot path
        # One address sends all the load: the per-IP limit would refuse most of it.
        "AGORA_RATE_LIMITS_ENABLED": "false",
        **settings,
    }


@contextmanager
def agora_server(
    env: Mapping[str, str],
    log_name: str,
    *,
    name: str = "agora",
    workers: int | None = None,
    app_dir: Path = REPO,
) -> Iterator[servers.Server]:
    """`agora serve --migrate` on a free port until the block exits; its log in bench/results."""
    port = servers.free_port()
    # api.cli is what the `agora` script runs; this interpreter works without an activated venv.
    argv = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--migrate"]
    if workers is not None:
        argv += ["--workers", str(workers)]
    with servers.running(
        name,
        argv,
        port=port,
        ready_path="/readyz",
        log_path=RESULTS / log_name,
        env=env,
        cwd=app_dir,
    ) as server:
        yield server


@contextmanager
def fresh_agora(
    args: argparse.Namespace, log_name: str, **settings: str
) -> Iterator[tuple[servers.Server, dict[str, str]]]:
    """A fresh database (args.database_url), autovacuum on as in production (autovacuum.py)
    and `agora serve` on it: (the server, its environment, for `agora` commands)."""
    asyncio.run(recreate_database(args.database_url))
    env = agora_env(args.database_url, args.redis_url, **settings)
    with autovacuum_on(args.database_url), agora_server(env, log_name) as server:
        yield server, env


def agora_cli(
    env: Mapping[str, str], *args: str, app_dir: Path = REPO, check: bool = True
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "api.cli", *args]
    return subprocess.run(argv, env=env, cwd=app_dir, capture_output=True, text=True, check=check)


def create_operator(env: Mapping[str, str], email: str, *, app_dir: Path = REPO) -> None:
    """An operator who signs in with `email` and PASSWORD."""
    agora_cli(
        {**env, "AGORA_OPERATOR_PASSWORD": PASSWORD},
        "create-operator",
        "--email",
        email,
        app_dir=app_dir,
    )


def ledger_verify(database_url: str, *, app_dir: Path = REPO) -> tuple[bool, str]:
    """`agora ledger verify` on the benchmark's database: every balance from the journal."""
    env = {**os.environ, "DATABASE_URL": database_url, "AGORA_LOG_LEVEL": "warning"}
    done = agora_cli(env, "ledger", "verify", app_dir=app_dir, check=False)
    return done.returncode == 0, done.stdout + done.stderr


# -- GraphQL, as a client ---------------------------------------------------------------------


def post_graphql(
    base_url: str, query: str, variables: Mapping[str, Any] | None = None, token: str = ""
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) of one request; `token` is an access token or an API key."""
    return post_json(base_url, {"query": query, "variables": variables or {}}, token)


def post_json(
    base_url: str, payload: Mapping[str, Any], token: str = ""
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) of one POST of `payload` to /graphql (e.g. a persisted query)."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(payload).encode()
    request = urllib.request.Request(f"{base_url}/graphql", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:  # a 4xx/5xx is an answer to report, not a crash
        status, raw = error.code, error.read()
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = {"unparsable": raw[:500].decode(errors="replace")}
    return status, answer if isinstance(answer, dict) else {"unexpected": answer}


def gql(base_url: str, query: str, variables: Mapping[str, Any], token: str = "") -> Any:
    """The `data` of a 200 answer without top-level errors; raises on anything else."""
    status, answer = post_graphql(base_url, query, variables, token)
    if status != 200 or answer.get("errors") or not answer.get("data"):
        raise RuntimeError(f"{query.split('(')[0]}: HTTP {status} {json.dumps(answer)[:300]}")
    return answer["data"]


def call(
    base_url: str, query: str, variables: Mapping[str, Any], name: str, token: str = ""
) -> dict[str, Any]:
    """The payload of mutation `name`; raises unless it answered with `errors: []`."""
    payload: dict[str, Any] | None = gql(base_url, query, variables, token).get(name)
    if not payload or payload.get("errors"):
        raise RuntimeError(f"{name}: {payload}")
    return payload


async def gql_async(
    client: httpx.AsyncClient, query: str, variables: Mapping[str, Any], token: str = ""
) -> Any:
    """`gql` on an httpx client (its base_url the server's), for loads run in asyncio."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    response.raise_for_status()
    answer = response.json()
    if answer.get("errors"):
        raise RuntimeError(answer)
    return answer["data"]


def log_in(base_url: str, email: str) -> str:
    """An access token (it lives 15 minutes)."""
    variables = {"input": {"login": email, "password": PASSWORD}}
    return str(call(base_url, LOG_IN, variables, "logIn")["accessToken"])


def sign_up(
    base_url: str,
    email: str,
    roles: Sequence[str],
    *,
    kind: str = "PERSON",
    display_name: str = "Bench",
) -> tuple[str, str]:
    """Register with PASSWORD and sign in: (the participant's global id, an access token)."""
    registered = call(
        base_url,
        REGISTER,
        {
            "input": {
                "kind": kind,
                "displayName": display_name,
                "email": email,
                "password": PASSWORD,
                "roles": list(roles),
            }
        },
        "register",
    )
    return registered["participant"]["id"], log_in(base_url, email)


def pass_kyc(
    base_url: str,
    token: str,
    operator: str,
    number: int,
    *,
    legal_name: str = "李雷",
    business_licence: str = "",
) -> None:
    """Submit a resident ID unique by `number` (born 1985-06-12: an adult), or the business
    licence given; the operator verifies it."""
    first_17 = "11010519850612" + f"{number:03d}"
    submitted = call(
        base_url,
        SUBMIT_KYC,
        {
            "input": {
                "documentType": "BUSINESS_LICENSE" if business_licence else "RESIDENT_ID",
                "legalName": legal_name,
                "documentNumber": business_licence or first_17 + resident_id_check_char(first_17),
            }
        },
        "submitKyc",
        token,
    )
    decision = {"input": {"submissionId": submitted["submission"]["id"], "decision": "VERIFY"}}
    decided = call(base_url, DECIDE_KYC, decision, "decideKyc", operator)
    if decided["submission"]["status"] != "VERIFIED":
        raise RuntimeError(f"KYC of participant {number} not verified: {decided}")


# -- what Agora itself counted and logged ---------------------------------------------------


def metric_samples(base_url: str) -> list[Sample]:
    """Every sample the server's /metrics shows now (with several workers: whichever
    answered the scrape)."""
    # Production answers /metrics only to its token's bearer (404 otherwise).
    bearer = {"Authorization": f"Bearer {RUN_KEYS['AGORA_METRICS_TOKEN']}"}
    request = urllib.request.Request(f"{base_url}/metrics", headers=bearer)
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def metric_sum(samples: Sequence[Sample], name: str) -> float:
    """The samples named `name`, over all their labels (0 when there are none)."""
    return sum(sample.value for sample in samples if sample.name == name)


def group_commit(base_url: str, name: str) -> tuple[float, float]:
    """(committed batches, requests they carried) of a group-commit queue (`name`: transfer,
    pledge) from the server's /metrics (with several workers: whichever answered)."""
    samples = metric_samples(base_url)
    return (
        metric_sum(samples, f"agora_{name}_batches_total"),
        metric_sum(samples, f"agora_{name}_batch_orders_total"),
    )


def per_batch(before: tuple[float, float], after: tuple[float, float]) -> float | None:
    """Requests per committed batch between two group_commit readings."""
    batches, orders = after[0] - before[0], after[1] - before[1]
    return round(orders / batches, 1) if batches > 0 else None


def agora_outcomes(base_url: str) -> dict[str, dict[str, float]]:
    """Agora's own count of what it answered: HTTP statuses and GraphQL outcomes."""
    served: dict[str, dict[str, float]] = {"http_status": {}, "graphql_outcome": {}}
    for sample in metric_samples(base_url):
        if sample.name == "agora_http_requests_total" and sample.labels["route"] == "/graphql":
            bucket, label = served["http_status"], sample.labels["status"]
        elif sample.name == "agora_graphql_operations_total":
            bucket, label = served["graphql_outcome"], sample.labels["outcome"]
        else:
            continue
        bucket[label] = bucket.get(label, 0) + sample.value
    return served


def served_anomalies(
    name: str, served: Mapping[str, Mapping[str, float]], *, statuses: Sequence[str] = ("200",)
) -> list[str]:
    """What is wrong in `agora_outcomes` of server `name`: an HTTP status not in `statuses`,
    a GraphQL outcome but `ok`."""
    anomalies = [
        f"{name} answered {count:.0f} GraphQL requests with HTTP {status}"
        for status, count in served["http_status"].items()
        if status not in statuses
    ]
    anomalies += [
        f"{name} counted {count:.0f} GraphQL operations as {outcome}"
        for outcome, count in served["graphql_outcome"].items()
        if outcome != "ok"
    ]
    return anomalies


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


def answers_right(problems: Iterable[str | None]) -> bool:
    """Whether every first answer was right; if not, says which were wrong."""
    wrong = [problem for problem in problems if problem]
    if wrong:
        print("wrong answers, not measuring:\n" + "\n".join(wrong), file=sys.stderr)
    return not wrong


def exit_status(anomalies: Sequence[str]) -> int:
    """Print each anomaly to stderr; the run's exit status: 1 if there were any."""
    for anomaly in anomalies:
        print(f"ANOMALY: {anomaly}", file=sys.stderr)
    return 1 if anomalies else 0


# -- the results file -----------------------------------------------------------------------


def revision(app_dir: Path = REPO) -> str:
    """The commit measured; "-dirty" when the work tree had uncommitted edits."""
    try:
        described = subprocess.run(
            ["git", "-C", str(app_dir), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return described.stdout.strip()


def report_head(
    benchmark: str, revision: str, packages: Sequence[str], **tools: str
) -> dict[str, Any]:
    """What a results file starts with: which benchmark, when, which commit, on what."""
    return {
        "benchmark": benchmark,
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "revision": revision,
        "machine": machine(packages, **tools),
    }


def machine(packages: Sequence[str], **tools: str) -> dict[str, Any]:
    """The machine, the interpreter, `tools`' versions as given and `packages`' installed."""
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        **tools,
        "versions": {name: version(name) for name in packages},
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_results(path: Path, report: Mapping[str, Any], *, announce: bool = False) -> None:
    """`report` as indented JSON at `path` (bench/results/<benchmark>.json by default);
    `announce`: say where, last."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if announce:
        print(f"\nwritten to {path}")
