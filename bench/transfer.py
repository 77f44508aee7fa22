"""Benchmark: wallet-to-wallet `transfer` mutations per second, against pgbench in the same run.

The money core end to end: each request is an authenticated (Bearer access token, checked
against Redis), idempotent (a unique key per request), double-entry `transfer` of 0.01 CNY
from a random participant to another, over HTTP to `agora serve` (real PostgreSQL and Redis,
production settings, one uvicorn worker unless --workers), recording a `wallet.changed`
outbox event for each of the two wallets in the same transaction.

The ceiling is pgbench running bench/transfer_pgbench.sql, the same rows in the same tables
as plain SQL (idempotency record, both accounts locked FOR UPDATE in id order, one
ledger_transfer, both balances, one audit row, two outbox events), against the same database,
in the same run.
At 1, 4 and 16 concurrent clients, in rounds (each round: at each concurrency pgbench, then
Agora after a warm-up), it reports the median req/s (TPS), p50 and p99 of each, the ratio
Agora / pgbench (target: at least 0.5 at 16 clients) and the CPU each process group spent
per transfer (Agora, PostgreSQL, Redis, the load generator).

Then it checks the books: every answer was HTTP 200 with `errors: []`, `agora ledger verify`
passes, and the journal holds one P2P transfer, one idempotency record, one audit entry and
a wallet.changed event for each of its two wallets per successful answer (a few more are
allowed for requests in flight when a load run ended).
Results go to stdout and bench/results/transfer.json; exits 1 if anything was wrong.

    python bench/transfer.py [--seconds 10] [--rounds 3] [--clients 1,4,16] [--participants 32]
                             [--workers 1] [--relay] [--app-dir DIR: another checkout's `agora`]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import asyncpg

# isort: split
# Siblings in bench/: running a script puts its own directory first on sys.path.
import cpu
import harness
import load
from autovacuum import autovacuum_on
from harness import REPO

PGBENCH_SCRIPT = REPO / "bench" / "transfer_pgbench.sql"
DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_tx"
REDIS_URL = "redis://127.0.0.1:6379/15"
OPERATOR_EMAIL = "operator@bench-transfer.example"
DEPOSIT = "1000000.00"  # per participant: 100,000,000 transfers of 0.01 before anyone runs dry
AMOUNT = "0.01"  # the daily cap at KYC level 1 is 50,000.00 a sender: 5,000,000 transfers
PGBENCH_FUNDING = 100_000_000  # minor units per pgbench account, as DEPOSIT
RELOGIN_AFTER_SECONDS = 10 * 60  # access tokens live 15 minutes

TRANSFER = (
    "mutation Transfer($input: TransferInput!, $key: String!) { "
    "transfer(input: $input, idempotencyKey: $key) { "
    "status journalId wallet { available { amount } } errors { code field message } } }"
)
DEPOSIT_MUTATION = (
    "mutation P($input: RailInput!, $key: String!) { deposit(input: $input, "
    "idempotencyKey: $key) { status errors { code message } } }"
)

# wrk: one Lua state per thread builds every request (a fresh idempotency key, a random
# sender's token, a random other participant as recipient) and classifies every answer.
_WRK_SCRIPT = """\
local tokens = {{ {tokens} }}
local recipients = {{ {recipients} }}
local template = [==[{template}]==]
local prefix = "{prefix}"
local n = #tokens

local threads = {{}}
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
  table.insert(threads, thread)
end

sent = 0
ok = 0
failures = {{}}
samples = {{}}
function init(args)
  math.randomseed(os.time() * 1000 + thread_number)
end

function request()
  sent = sent + 1
  local sender = math.random(n)
  local recipient = math.random(n - 1)
  if recipient >= sender then recipient = recipient + 1 end
  local key = prefix .. thread_number .. "-" .. sent
  local body = string.format(template, recipients[recipient], key)
  return wrk.format("POST", "/graphql", {{
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[sender],
  }}, body)
end

local function fail(kind, body)
  failures[kind] = (failures[kind] or 0) + 1
  if #samples < 3 then table.insert(samples, string.sub(body or "", 1, 300)) end
end

function response(status, headers, body)
  if status ~= 200 then
    fail("HTTP_" .. status, body)
  elseif string.find(body, '"status":"SUCCEEDED"', 1, true)
      and string.find(body, '"errors":[]', 1, true) then
    ok = ok + 1
  else
    local found = false
    for code in string.gmatch(body, '"code":"([%w_]+)"') do
      fail(code, body)
      found = true
    end
    if not found then fail("NO_CODE", body) end
  end
end

local function quote(s)
  return '"' .. string.gsub(s, '[%c"\\\\]', " ") .. '"'
end

function done(summary, latency, requests)
  local answered_ok = 0
  local kinds = {{}}
  local sample_list = {{}}
  for _, thread in ipairs(threads) do
    answered_ok = answered_ok + thread:get("ok")
    for kind, count in pairs(thread:get("failures")) do
      kinds[kind] = (kinds[kind] or 0) + count
    end
    for _, sample in ipairs(thread:get("samples")) do
      table.insert(sample_list, quote(sample))
    end
  end
  local parts = {{}}
  for kind, count in pairs(kinds) do
    table.insert(parts, quote(kind) .. ":" .. count)
  end
  local e = summary.errors
  io.write(string.format(
    '{marker}{{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"ok":%d,' ..
    '"failures":{{%s}},"samples":[%s]}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout, answered_ok,
    table.concat(parts, ","), table.concat(sample_list, ",")))
end
"""


@dataclass(frozen=True)
class Participant:
    id: str  # the relay global id
    email: str
    token: str = ""


@dataclass
class Run:
    """One measured run of one side at one concurrency."""

    side: str  # "agora", "agora warm-up" or "pgbench"
    clients: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    ok: int  # agora: 200 with errors == []; pgbench: committed transactions
    failures: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU ms per request, by process group
    per_batch: float | None = None  # agora: transfers per committed transaction (group commit)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if shutil.which("wrk") is None:
        print(
            "wrk is needed (apt-get install -y wrk): requests are built per request in Lua",
            file=sys.stderr,
        )
        return 2
    pgbench = find_pgbench()
    with autovacuum_on(args.database_url):
        return _measure(args, pgbench)


def _measure(args: argparse.Namespace, pgbench: str) -> int:
    asyncio.run(harness.recreate_database(args.database_url))
    args.revision = harness.revision(args.app_dir)  # now: the server loads this code at start
    print(
        f"revision {args.revision} ({args.app_dir}); {args.participants} "
        f"participants, clients {args.clients}, {args.rounds} rounds of {args.seconds} s "
        f"({args.warmup} s agora warm-up)",
        flush=True,
    )
    anomalies: list[str] = []
    started = time.monotonic()
    env = agora_env(args)
    with harness.agora_server(
        env, "transfer_agora.log", workers=args.workers, app_dir=args.app_dir
    ) as server:
        harness.create_operator(env, OPERATOR_EMAIL, app_dir=args.app_dir)
        people = set_up_participants(server.base_url, args.participants)
        print(
            f"set up {len(people)} verified, funded participants "
            f"in {time.monotonic() - started:.0f} s",
            flush=True,
        )
        base = asyncio.run(set_up_pgbench_accounts(args.database_url, args.participants))
        problem = first_transfer_problem(server.base_url, people)
        if problem:
            print(f"wrong answer, not measuring: {problem}", file=sys.stderr)
            return 1
        machine = MachineCpu(server.process.pid)
        before = machine.snapshot()
        runs = run_rounds(server.base_url, people, base, pgbench, args)
        after = machine.snapshot()
        served = harness.agora_outcomes(server.base_url)
    logged = harness.logged_problems(server.log_path)
    anomalies += [f"agora logged {count}x {what}" for what, count in logged.items()]
    books = asyncio.run(count_books(args.database_url))
    verified, verify_output = harness.ledger_verify(args.database_url, app_dir=args.app_dir)
    results = summarize(runs, args.clients)
    print_table(results)
    shares = machine.shares(before, after)
    print(
        "\nCPU, share of the machine's cores over the measured runs: "
        + ", ".join(f"{k} {v:.0%}" for k, v in shares.items())
    )
    print("\nagora ledger verify:\n" + verify_output.rstrip())
    agora_runs = [r for r in runs if r.side.startswith("agora")]
    successes = 1 + sum(r.ok for r in agora_runs)  # 1: the first answer, checked before
    # wrk leaves one request per connection in flight when a run ends: the server may still
    # commit those, and count them as HTTP 499 if the connection is gone by then.
    wrk_connections = sum(r.clients for r in agora_runs)
    pgbench_done = sum(r.ok for r in runs if r.side == "pgbench")
    print_books(books, successes, pgbench_done)
    anomalies += find_anomalies(runs, served, books, successes, wrk_connections, pgbench_done)
    if not verified:
        anomalies.append("agora ledger verify failed")
    write_json(args, runs, results, served, books, shares, successes, anomalies)
    return harness.exit_status(anomalies)


def _parser() -> argparse.ArgumentParser:
    parser = harness.arguments(
        __doc__, database_url=DATABASE_URL, redis_url=REDIS_URL, output="transfer.json"
    )
    parser.add_argument("--seconds", type=int, default=10, help="per side, concurrency, round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved; medians reported")
    parser.add_argument("--warmup", type=int, default=3, help="agora seconds before each run")
    parser.add_argument(
        "--clients", type=lambda s: [int(c) for c in s.split(",")], default=[1, 4, 16]
    )
    parser.add_argument("--participants", type=int, default=32, help="and as many pgbench accounts")
    parser.add_argument(
        "--pool-size",
        type=int,
        help="AGORA_DB_POOL_SIZE per worker (default 20 / workers: PostgreSQL's 100 "
        "connections are shared with pgbench and whoever else uses the machine)",
    )
    parser.add_argument("--workers", type=int, default=1, help="agora serve --workers")
    parser.add_argument(
        "--relay", action="store_true", help="also run the outbox relay in the server"
    )
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=REPO,
        help="the checkout whose `agora` to run (default: this one), e.g. an experiment's copy",
    )
    return parser


def find_pgbench() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
    if not candidates:
        raise SystemExit("pgbench not found: install PostgreSQL's client tools")
    return str(candidates[-1])


def agora_env(args: argparse.Namespace) -> dict[str, str]:
    return harness.agora_env(
        args.database_url,
        args.redis_url,
        AGORA_DB_POOL_SIZE=str(args.pool_size or 20 // args.workers),
        # The outbox rows are written either way, as pgbench writes them; publishing them to
        # Redis is the relay's work (issue 5's benchmark), measured here only with --relay.
        AGORA_RELAY_ENABLED="true" if args.relay else "false",
    )


# --------------------------------------------------------------------------- setup


def set_up_participants(base_url: str, count: int) -> list[Participant]:
    """Register, verify (KYC by the operator) and fund `count` investors, as a client would."""
    operator = harness.log_in(base_url, OPERATOR_EMAIL)

    def one(number: int) -> Participant:
        email = f"investor{number}@bench-transfer.example"
        participant_id, token = harness.sign_up(
            base_url, email, ["INVESTOR"], display_name=f"Investor {number}"
        )
        harness.pass_kyc(base_url, token, operator, number)
        deposited = harness.call(
            base_url,
            DEPOSIT_MUTATION,
            {
                "input": {"amount": DEPOSIT, "currency": "CNY", "method": "BANK_CARD"},
                "key": f"fund-{number}",
            },
            "deposit",
            token,
        )
        if deposited["status"] != "SUCCEEDED":
            raise RuntimeError(f"deposit for {email} failed: {deposited}")
        return Participant(participant_id, email, token)

    # A few at a time: registration and sign-in hash passwords (argon2) on the server.
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, range(1, count + 1)))


def refresh_tokens(base_url: str, people: list[Participant]) -> list[Participant]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        tokens = list(pool.map(lambda p: harness.log_in(base_url, p.email), people))
    return [Participant(p.id, p.email, t) for p, t in zip(people, tokens, strict=True)]


async def set_up_pgbench_accounts(url: str, count: int, kind: str = "WALLET") -> int:
    """`count` funded accounts of `kind` (WALLET, or an ESCROW for a writer that keeps no
    daily outflow counters) with consecutive ids for pgbench; the first id.

    Funded through the journal (a ledger_transfer from a settlement account), so the
    ledger still verifies with pgbench's transfers in it.
    """
    connection = await asyncpg.connect(harness.plain_url(url))
    try:
        async with connection.transaction():
            source = await connection.fetchval(
                """INSERT INTO ledger_account (kind, currency, owner_id, label, debits_pending,
                     debits_posted, credits_pending, credits_posted,
                     debits_must_not_exceed_credits, credits_must_not_exceed_debits, frozen,
                     created_at)
                   VALUES ('SETTLEMENT', 'CNY', NULL, 'pgbench-funding-' || $2::text, 0, $1,
                           0, 0, false, false, false, now())
                   RETURNING id""",
                PGBENCH_FUNDING * count,
                kind,
            )
            ids = await connection.fetch(
                """INSERT INTO ledger_account (kind, currency, owner_id, label, debits_pending,
                     debits_posted, credits_pending, credits_posted,
                     debits_must_not_exceed_credits, credits_must_not_exceed_debits, frozen,
                     created_at)
                   SELECT $3::text, 'CNY', NULL, 'pgbench-' || $3::text || '-' || n, 0, 0, 0, $1,
                          true, false, false, now()
                   FROM generate_series(1, $2) AS n ORDER BY n
                   RETURNING id""",
                PGBENCH_FUNDING,
                count,
                kind,
            )
            first, last = min(r["id"] for r in ids), max(r["id"] for r in ids)
            if last - first != count - 1:
                raise RuntimeError(f"pgbench accounts are not consecutive: {first}..{last}")
            await connection.execute(
                """INSERT INTO ledger_transfer (id, journal_id, kind, debit_account_id,
                     credit_account_id, amount, currency, reason, pending_id, expires_at,
                     created_at, details)
                   SELECT gen_random_uuid(), gen_random_uuid(), 'POSTED', $1, id, $2, 'CNY',
                          'PGBENCH_FUNDING', NULL, NULL, now(), '{}'
                   FROM ledger_account WHERE id BETWEEN $3 AND $4""",
                source,
                PGBENCH_FUNDING,
                first,
                last,
            )
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return int(first)


def first_transfer_problem(base_url: str, people: list[Participant]) -> str | None:
    sender, recipient = people[0], people[1]
    variables = {
        "input": {"recipientId": recipient.id, "amount": AMOUNT, "currency": "CNY"},
        "key": "first-answer",
    }
    try:
        answer = harness.gql(base_url, TRANSFER, variables, sender.token)["transfer"]
    except RuntimeError as error:
        return str(error)
    if answer["errors"] or answer["status"] != "SUCCEEDED":
        return f"transfer answered {answer}"
    if answer["wallet"]["available"]["amount"] != f"{float(DEPOSIT) - float(AMOUNT):.2f}":
        return f"sender's wallet after one transfer: {answer['wallet']}"
    return None


# --------------------------------------------------------------------------- load


def run_rounds(
    base_url: str, people: list[Participant], base: int, pgbench: str, args: argparse.Namespace
) -> list[Run]:
    """Rounds of (pgbench, agora warm-up, agora) at each concurrency, warm-ups included
    (side "agora warm-up": not in the figures, but their answers are checked too)."""
    runs: list[Run] = []
    logged_in_at = time.monotonic()
    for number in range(1, args.rounds + 1):
        if time.monotonic() - logged_in_at > RELOGIN_AFTER_SECONDS:
            people, logged_in_at = refresh_tokens(base_url, people), time.monotonic()
        for clients in args.clients:
            run = measure_pgbench(pgbench, clients, args.seconds, base, args)
            runs.append(run)
            _report(f"round {number}", run)
            if args.warmup:
                warm = measure_agora(base_url, people, clients, args.warmup, f"w{number}c{clients}")
                runs.append(replace(warm, side="agora warm-up"))
            batched = harness.group_commit(base_url, "transfer")
            run = measure_agora(base_url, people, clients, args.seconds, f"r{number}c{clients}")
            run.per_batch = harness.per_batch(batched, harness.group_commit(base_url, "transfer"))
            runs.append(run)
            _report(f"round {number}", run)
    return runs


def _report(phase: str, run: Run) -> None:
    failures = ", ".join(f"{k} {v}" for k, v in run.failures.items()) or "none"
    batches = f"  {run.per_batch:.1f} transfers per commit" if run.per_batch else ""
    print(
        f"{phase} {run.side:<8}{run.clients:>3} clients {run.rps:9.1f}/s  "
        f"p50 {run.p50_ms:7.2f} ms  p99 {run.p99_ms:7.2f} ms  failures: {failures}{batches}",
        flush=True,
    )


def measure_agora(
    base_url: str, people: list[Participant], clients: int, seconds: int, label: str
) -> Run:
    template = (
        json.dumps(
            {
                "query": TRANSFER,
                "variables": {
                    "input": {"recipientId": "RECIPIENT", "amount": AMOUNT, "currency": "CNY"},
                    "key": "KEY",
                },
            }
        )
        .replace('"RECIPIENT"', '"%s"')
        .replace('"KEY"', '"%s"')
    )
    # A prefix per run and run date: no key repeats across runs against the same database.
    prefix = f"b{int(time.time())}{label}-"
    script = _WRK_SCRIPT.format(
        tokens=", ".join(f'"{p.token}"' for p in people),
        recipients=", ".join(f'"{p.id}"' for p in people),
        template=template,
        prefix=prefix,
        marker=load.WRK_MARKER,
    )
    with tempfile.TemporaryDirectory(prefix="bench-transfer-") as scratch, Probe() as probe:
        script_path = Path(scratch, "transfer.lua")
        script_path.write_text(script)
        url = f"{base_url}/graphql"
        report = load.run_wrk(url, script_path, connections=clients, seconds=seconds)
    failures = dict(report["failures"])
    for kind in ("connect", "read", "write", "timeout"):
        if report[kind]:
            failures[f"socket_{kind}"] = report[kind]
    return Run(
        side="agora",
        clients=clients,
        requests=report["requests"],
        seconds=report["duration_us"] / 1e6,
        p50_ms=report["p50_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
        ok=report["ok"],
        failures=failures,
        samples=report["samples"],
        cpu=probe.per_request(report["requests"]),
    )


def measure_pgbench(
    pgbench: str,
    clients: int,
    seconds: int,
    base: int,
    args: argparse.Namespace,
    script: Path = PGBENCH_SCRIPT,
) -> Run:
    threads = 1 if clients == 1 else 2  # -j: the machine has 2 cores
    with tempfile.TemporaryDirectory(prefix="bench-pgbench-") as scratch, Probe() as probe:
        argv = [
            pgbench,
            "-n",
            "-f",
            str(script),
            "-c",
            str(clients),
            "-j",
            str(threads),
            "-T",
            str(seconds),
            "-D",
            f"base={base}",
            "-D",
            f"n={args.participants}",
            "-l",
            "--log-prefix",
            f"{scratch}/tx",
            harness.plain_url(args.database_url),
        ]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"pgbench failed:\n{done.stdout}\n{done.stderr}")
        latencies = list(_pgbench_latencies(Path(scratch)))
    processed = _pgbench_figure(done.stdout, r"number of transactions actually processed: (\d+)")
    failed = _pgbench_figure(done.stdout, r"number of failed transactions: (\d+)", default=0)
    tps = float(_pgbench_figure(done.stdout, r"tps = ([\d.]+) \(without initial", cast=float))
    return Run(
        side="pgbench",
        clients=clients,
        requests=int(processed),
        seconds=processed / tps if tps else float(seconds),
        p50_ms=load.percentile(latencies, 50) / 1000,
        p99_ms=load.percentile(latencies, 99) / 1000,
        ok=int(processed),
        failures={"failed": int(failed)} if failed else {},
        cpu=probe.per_request(int(processed)),
    )


def _pgbench_figure(text: str, pattern: str, *, cast: Any = int, default: Any = None) -> Any:
    found = re.search(pattern, text)
    if found is None:
        if default is not None:
            return default
        raise RuntimeError(f"pgbench printed no {pattern!r}:\n{text}")
    return cast(found.group(1))


def _pgbench_latencies(scratch: Path) -> Iterator[int]:
    # -l: "client_id transaction_no time script_no time_epoch time_us", time in µs; a failed
    # transaction has a word instead of the time.
    for log in scratch.glob("tx.*"):
        for line in log.read_text().splitlines():
            elapsed = line.split()[2]
            if elapsed.isdigit():
                yield int(elapsed)


# --------------------------------------------------------------------------- CPU


class Probe:
    """CPU used by each process group during one run: the Agora server, PostgreSQL, Redis
    and the load generator (wrk or pgbench, a child of this process)."""

    agora_pid: int | None = None

    def __enter__(self) -> Probe:
        self.start = self._read()
        return self

    def __exit__(self, *_: object) -> None:
        self.end = self._read()

    def _read(self) -> dict[str, float]:
        children = os.times()
        return {
            "agora": cpu.cpu_seconds_of(cpu.process_tree(Probe.agora_pid)),
            "postgres": cpu.postgres_cpu_seconds(),
            "redis": cpu.cpu_seconds_of(cpu.pids_named("redis-server")),
            "client": children.children_user + children.children_system,
        }

    def per_request(self, requests: int) -> dict[str, float]:
        if not requests:
            return {}
        return {k: (self.end[k] - self.start[k]) * 1000 / requests for k in self.start}


class MachineCpu:
    """Shares of all cores over the measured runs: ours (per group) and everyone else's."""

    def __init__(self, agora_pid: int) -> None:
        Probe.agora_pid = agora_pid
        self.agora_pid = agora_pid

    def snapshot(self) -> tuple[cpu.Snapshot | None, dict[str, float]]:
        probe = Probe()
        return cpu.snapshot(cpu.process_tree(self.agora_pid)), probe._read()

    def shares(
        self,
        before: tuple[cpu.Snapshot | None, dict[str, float]],
        after: tuple[cpu.Snapshot | None, dict[str, float]],
    ) -> dict[str, float]:
        (start, groups_start), (end, groups_end) = before, after
        if start is None or end is None:
            return {}
        capacity = (end.wall - start.wall) * (os.cpu_count() or 1)
        used = {k: (groups_end[k] - groups_start[k]) / capacity for k in groups_start}
        busy = (end.machine_busy - start.machine_busy) / capacity
        # Other work: neither this script and its children, nor the server, nor the stores.
        foreign = busy - (end.ours - start.ours) / capacity - used["postgres"] - used["redis"]
        return {**used, "other work": max(0.0, foreign), "idle": max(0.0, 1 - busy)}


# --------------------------------------------------------------------------- checks


async def count_books(url: str) -> dict[str, int]:
    """What the run left in the database, to hold against the answers counted."""
    connection = await asyncpg.connect(harness.plain_url(url))
    try:
        row = await connection.fetchrow(
            """WITH p2p_events AS (
                 SELECT payload->>'journal_id' AS journal, aggregate_id AS wallet
                 FROM outbox_event
                 WHERE type = 'wallet.changed' AND payload->>'reason' = 'P2P')
               SELECT
                 (SELECT count(*) FROM ledger_transfer WHERE reason = 'P2P') AS p2p_transfers,
                 (SELECT count(*) FROM idempotency_record WHERE operation = 'wallet.transfer'
                    AND scope NOT LIKE 'pgbench:%' AND outcome = 'SUCCEEDED')
                   AS agora_keys_succeeded,
                 (SELECT count(*) FROM idempotency_record WHERE operation = 'wallet.transfer'
                    AND scope NOT LIKE 'pgbench:%' AND outcome <> 'SUCCEEDED')
                   AS agora_keys_other,
                 (SELECT count(*) FROM audit_entry WHERE action = 'wallet.transfer'
                    AND user_agent IS DISTINCT FROM 'pgbench') AS agora_audit_entries,
                 (SELECT count(*) FROM ledger_transfer WHERE reason = 'PGBENCH')
                   AS pgbench_transfers,
                 (SELECT count(*) FROM idempotency_record WHERE scope LIKE 'pgbench:%')
                   AS pgbench_keys,
                 (SELECT count(*) FROM audit_entry WHERE user_agent = 'pgbench')
                   AS pgbench_audit_entries,
                 (SELECT count(*) FROM ledger_account WHERE kind = 'WALLET'
                    AND debits_posted > credits_posted) AS overdrawn_wallets,
                 (SELECT count(*) FROM outbox_event WHERE type = 'wallet.changed'
                    AND payload->>'reason' = 'P2P') AS agora_wallet_events,
                 (SELECT count(*) FROM ledger_transfer t
                    JOIN p2p_events d ON d.journal = t.journal_id::text
                                     AND d.wallet = t.debit_account_id::text
                    JOIN p2p_events c ON c.journal = t.journal_id::text
                                     AND c.wallet = t.credit_account_id::text
                    WHERE t.reason = 'P2P') AS p2p_transfers_with_both_events,
                 (SELECT count(*) FROM outbox_event WHERE type = 'wallet.changed'
                    AND payload->>'reason' = 'PGBENCH') AS pgbench_wallet_events"""
        )
    finally:
        await connection.close()
    return dict(row)


def print_books(books: dict[str, int], successes: int, pgbench_done: int) -> None:
    print(f"\nsuccessful transfer answers (incl. warm-ups and the first): {successes}")
    for name, count in books.items():
        print(f"  {name:<24}{count:>10}")
    print(f"pgbench transactions reported: {pgbench_done}")


def find_anomalies(
    runs: list[Run],
    served: dict[str, dict[str, float]],
    books: dict[str, int],
    successes: int,
    wrk_connections: int,
    pgbench_done: int,
) -> list[str]:
    anomalies = [
        f"{r.side} at {r.clients} clients: {k} x{v} (e.g. {r.samples[:1]})"
        for r in runs
        for k, v in r.failures.items()
    ]
    # wrk closes its connections with requests in flight at the end of each run: Agora
    # counts those as 499 (client gone); any other status, or more 499s than that, is wrong.
    abandoned = served["http_status"].get("499", 0)
    anomalies += harness.served_anomalies("agora", served, statuses=("200", "499"))
    if abandoned > wrk_connections:
        anomalies.append(f"{abandoned:.0f} requests abandoned (HTTP 499), more than in flight")
    p2p = books["p2p_transfers"]
    # wrk closes its connections with requests in flight: the server may still commit those.
    if not successes <= p2p <= successes + wrk_connections:
        anomalies.append(
            f"{p2p} P2P transfers in the journal for {successes} successful answers "
            f"(up to {wrk_connections} more may have been in flight at the ends of runs)"
        )
    if not p2p == books["agora_keys_succeeded"] == books["agora_audit_entries"]:
        anomalies.append(f"P2P transfers, idempotency records and audit entries differ: {books}")
    # One wallet.changed per wallet per transfer, recorded in the transfer's transaction.
    if not books["agora_wallet_events"] == 2 * p2p == 2 * books["p2p_transfers_with_both_events"]:
        anomalies.append(f"P2P transfers and their wallet.changed events differ: {books}")
    if books["agora_keys_other"]:
        anomalies.append(f"{books['agora_keys_other']} transfer keys refused or pending")
    pgbench_rows = (
        books["pgbench_transfers"],
        books["pgbench_keys"],
        books["pgbench_audit_entries"],
        books["pgbench_wallet_events"] // 2,
    )
    if pgbench_rows != (pgbench_done,) * 4 or books["pgbench_wallet_events"] % 2:
        anomalies.append(f"pgbench reported {pgbench_done} transactions: {books}")
    if books["overdrawn_wallets"]:
        anomalies.append(f"{books['overdrawn_wallets']} wallets overdrawn")
    return anomalies


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Result:
    clients: int
    agora_rps: float
    agora_p50_ms: float
    agora_p99_ms: float
    pgbench_tps: float
    pgbench_p50_ms: float
    pgbench_p99_ms: float
    ratio: float
    agora_cpu_ms: dict[str, float]  # per transfer, median over rounds
    pgbench_cpu_ms: dict[str, float]
    agora_rounds: list[float]
    pgbench_rounds: list[float]


def summarize(runs: list[Run], clients_list: list[int]) -> list[Result]:
    results = []
    for clients in clients_list:
        agora = [r for r in runs if r.side == "agora" and r.clients == clients]
        pg = [r for r in runs if r.side == "pgbench" and r.clients == clients]

        def med(rs: list[Run], attribute: str) -> float:
            return statistics.median(getattr(r, attribute) for r in rs)

        def cpu_med(rs: list[Run]) -> dict[str, float]:
            keys = rs[0].cpu.keys()
            return {k: statistics.median(r.cpu.get(k, 0.0) for r in rs) for k in keys}

        results.append(
            Result(
                clients=clients,
                agora_rps=med(agora, "rps"),
                agora_p50_ms=med(agora, "p50_ms"),
                agora_p99_ms=med(agora, "p99_ms"),
                pgbench_tps=med(pg, "rps"),
                pgbench_p50_ms=med(pg, "p50_ms"),
                pgbench_p99_ms=med(pg, "p99_ms"),
                ratio=med(agora, "rps") / med(pg, "rps"),
                agora_cpu_ms=cpu_med(agora),
                pgbench_cpu_ms=cpu_med(pg),
                agora_rounds=[r.rps for r in agora],
                pgbench_rounds=[r.rps for r in pg],
            )
        )
    return results


def print_table(results: list[Result]) -> None:
    print(f"\n{'':>8}{'--- Agora transfer (HTTP) ---':>32}{'--- pgbench (same SQL) ---':>32}")
    print(
        f"{'clients':>8}{'req/s':>10}{'p50 ms':>11}{'p99 ms':>11}{'TPS':>10}{'p50 ms':>11}"
        f"{'p99 ms':>11}{'Agora/pgbench':>15}"
    )
    for r in results:
        print(
            f"{r.clients:>8}{r.agora_rps:>10.1f}{r.agora_p50_ms:>11.2f}{r.agora_p99_ms:>11.2f}"
            f"{r.pgbench_tps:>10.1f}{r.pgbench_p50_ms:>11.2f}{r.pgbench_p99_ms:>11.2f}"
            f"{r.ratio:>15.3f}"
        )
    print("\nCPU ms per transfer (median of rounds): agora / postgres / redis / load generator")
    for r in results:
        a, p = r.agora_cpu_ms, r.pgbench_cpu_ms
        print(
            f"{r.clients:>8}  Agora {a['agora']:.2f} / {a['postgres']:.2f} / {a['redis']:.2f}"
            f" / wrk {a['client']:.2f}     pgbench - / {p['postgres']:.2f} / - / "
            f"pgbench {p['client']:.2f}"
        )


def write_json(
    args: argparse.Namespace,
    runs: list[Run],
    results: list[Result],
    served: dict[str, dict[str, float]],
    books: dict[str, int],
    shares: dict[str, float],
    successes: int,
    anomalies: list[str],
) -> None:
    pgbench = subprocess.run([find_pgbench(), "--version"], capture_output=True, text=True)
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    wrk_says = (wrk.stdout + wrk.stderr).splitlines()
    report = {
        **harness.report_head(
            "transfer",
            args.revision,
            ("strawberry-graphql", "graphql-core", "uvicorn", "sqlalchemy", "asyncpg"),
            pgbench=pgbench.stdout.strip(),
            wrk=wrk_says[0] if wrk_says else "",
        ),
        "app_dir": str(args.app_dir),
        "cpu_shares": shares,
        "settings": {
            "seconds": args.seconds,
            "rounds": args.rounds,
            "warmup_seconds": args.warmup,
            "clients": args.clients,
            "participants": args.participants,
            "db_pool_size": args.pool_size or 20 // args.workers,
            "workers": args.workers,
            "relay": args.relay,
            "amount": AMOUNT,
        },
        "results": [asdict(r) for r in results],
        "runs": [asdict(r) | {"rps": r.rps} for r in runs],
        "agora_served": served,
        "books": books,
        "successful_answers": successes,
        "anomalies": anomalies,
    }
    harness.write_results(args.output, report, announce=True)


if __name__ == "__main__":
    raise SystemExit(main())
