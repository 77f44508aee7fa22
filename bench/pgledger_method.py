"""Benchmark: pgledger's published method, three writers of a transfer side by side.

pgledger (a double-entry ledger in plain PostgreSQL; "A Ledger In PostgreSQL Is Fast!",
pgrs.net, 16 May 2025) measures a ledger this way: N accounts, W concurrent workers each
moving money between two random accounts for a fixed time; it reports transfers per second,
milliseconds per transfer, and the bytes the database grew per transfer (size before and
after: tables and indexes). Few accounts make hot accounts (workers wait for each other's
locks); many make little contention. This script runs that method on this machine, against
one PostgreSQL, in one run, for three writers:

- `double entry`: pgbench running bench/double_entry_pgbench.sql, the least a double-entry
  transfer is (two accounts locked, one journal row, two balances): what a ledger library
  such as pgledger writes.
- `agora sql`: pgbench running bench/transfer_pgbench.sql, every row Agora's `transfer`
  commits (idempotency record, daily outflow, audit row, two outbox events) as plain SQL.
- `agora`: Agora's `transfer` mutation over HTTP, authenticated and idempotent, through
  `agora serve` (production settings, --workers), driven by wrk.

At 50 accounts and at 10, with 20 workers (the issue's method), in interleaved rounds; the
medians. Then the books: `agora ledger verify`, and every Agora answer a success.

    python bench/pgledger_method.py [--accounts 50,10] [--clients 20] [--seconds 10]
                                    [--rounds 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import time
from dataclasses import asdict, dataclass, replace

import asyncpg

# isort: split
# Siblings in bench/: running a script puts its own directory first on sys.path.
import harness
import transfer
from autovacuum import autovacuum_on
from harness import REPO

DOUBLE_ENTRY_SCRIPT = REPO / "bench" / "double_entry_pgbench.sql"
DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_pgledger"
REDIS_URL = "redis://127.0.0.1:6379/15"
SIDES = ("double entry", "agora sql", "agora")


@dataclass(frozen=True)
class Sample:
    """One side's run at one number of accounts: a transfer.Run and the database's growth."""

    side: str
    accounts: int
    run: transfer.Run
    grown_bytes: int

    @property
    def bytes_per_transfer(self) -> float:
        return self.grown_bytes / self.run.ok if self.run.ok else 0.0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is needed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    pgbench = transfer.find_pgbench()
    with autovacuum_on(args.database_url):
        return _measure(args, pgbench)


def _measure(args: argparse.Namespace, pgbench: str) -> int:
    asyncio.run(harness.recreate_database(args.database_url))
    args.revision = harness.revision(REPO)
    most = max(args.accounts)
    print(
        f"revision {args.revision}; accounts {args.accounts}, {args.clients} workers, "
        f"{args.rounds} rounds of {args.seconds} s, agora --workers {args.workers}",
        flush=True,
    )
    env = transfer.agora_env(
        argparse.Namespace(**{**vars(args), "pool_size": None, "relay": False})
    )
    with harness.agora_server(env, "pgledger_agora.log", workers=args.workers) as server:
        harness.create_operator(env, transfer.OPERATOR_EMAIL)
        people = transfer.set_up_participants(server.base_url, most)
        bases = {
            "agora sql": asyncio.run(transfer.set_up_pgbench_accounts(args.database_url, most)),
            # Escrow accounts: a wallet's debits must be in its daily outflow counter (what
            # `agora ledger verify` checks), and the least double entry keeps no counter.
            "double entry": asyncio.run(
                transfer.set_up_pgbench_accounts(args.database_url, most, "ESCROW")
            ),
        }
        problem = transfer.first_transfer_problem(server.base_url, people)
        if problem:
            print(f"wrong answer, not measuring: {problem}", file=sys.stderr)
            return 1
        transfer.MachineCpu(server.process.pid)  # the probe's Agora process group
        samples = _rounds(server.base_url, people, bases, pgbench, args)
    anomalies = [
        f"agora logged {n}x {what}" for what, n in harness.logged_problems(server.log_path).items()
    ]
    for sample in samples:
        if sample.run.failures:
            anomalies.append(f"{sample.side} at {sample.accounts}: {sample.run.failures}")
    verified, verify_output = harness.ledger_verify(args.database_url)
    print("\nagora ledger verify:\n" + verify_output.rstrip())
    if not verified:
        anomalies.append("agora ledger verify failed")
    table = _summary(samples, args.accounts)
    _print(table)
    harness.write_results(
        args.output,
        {
            **harness.report_head("pgledger_method", args.revision, ("uvicorn", "asyncpg")),
            "settings": {k: v for k, v in vars(args).items() if k != "output"},
            "summary": table,
            "samples": [asdict(s) | {"bytes_per_transfer": s.bytes_per_transfer} for s in samples],
            "anomalies": anomalies,
        },
        announce=True,
    )
    return harness.exit_status(anomalies)


def _rounds(
    base_url: str,
    people: list[transfer.Participant],
    bases: dict[str, int],
    pgbench: str,
    args: argparse.Namespace,
) -> list[Sample]:
    samples: list[Sample] = []
    logged_in_at = time.monotonic()
    for number in range(1, args.rounds + 1):
        if time.monotonic() - logged_in_at > transfer.RELOGIN_AFTER_SECONDS:
            people, logged_in_at = transfer.refresh_tokens(base_url, people), time.monotonic()
        for accounts in args.accounts:
            transfer.measure_agora(  # warm-up: connections, prepared statements, caches
                base_url, people[:accounts], args.clients, args.warmup, f"w{number}a{accounts}"
            )
            for side in SIDES:
                before = asyncio.run(_database_bytes(args.database_url))
                run = _one_run(side, accounts, f"r{number}", base_url, people, bases, pgbench, args)
                grown = asyncio.run(_database_bytes(args.database_url)) - before
                sample = Sample(side, accounts, replace(run, samples=[]), grown)
                samples.append(sample)
                print(
                    f"round {number} {accounts:>3} accounts {side:<13}{run.rps:9.1f}/s  "
                    f"p50 {run.p50_ms:6.2f} ms  p99 {run.p99_ms:7.2f} ms  "
                    f"{sample.bytes_per_transfer:7.0f} B/transfer  failures: "
                    f"{run.failures or 'none'}",
                    flush=True,
                )
    return samples


def _one_run(
    side: str,
    accounts: int,
    label: str,
    base_url: str,
    people: list[transfer.Participant],
    bases: dict[str, int],
    pgbench: str,
    args: argparse.Namespace,
) -> transfer.Run:
    if side == "agora":
        return transfer.measure_agora(
            base_url, people[:accounts], args.clients, args.seconds, f"{label}a{accounts}"
        )
    script = DOUBLE_ENTRY_SCRIPT if side == "double entry" else transfer.PGBENCH_SCRIPT
    scope = argparse.Namespace(**{**vars(args), "participants": accounts})
    return transfer.measure_pgbench(pgbench, args.clients, args.seconds, bases[side], scope, script)


async def _database_bytes(url: str) -> int:
    connection = await asyncpg.connect(harness.plain_url(url))
    try:
        return int(await connection.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await connection.close()


def _summary(samples: list[Sample], accounts_list: list[int]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for accounts in accounts_list:
        by_side = {
            side: [s for s in samples if s.side == side and s.accounts == accounts]
            for side in SIDES
        }
        plain = statistics.median(s.run.rps for s in by_side["double entry"])
        for side, runs in by_side.items():
            rps = statistics.median(s.run.rps for s in runs)
            rows.append(
                {
                    "accounts": accounts,
                    "side": side,
                    "transfers_per_second": rps,
                    "p50_ms": statistics.median(s.run.p50_ms for s in runs),
                    "p99_ms": statistics.median(s.run.p99_ms for s in runs),
                    "bytes_per_transfer": statistics.median(s.bytes_per_transfer for s in runs),
                    "vs_double_entry": rps / plain,
                    "rounds": [round(s.run.rps, 1) for s in runs],
                }
            )
    return rows


def _print(rows: list[dict[str, object]]) -> None:
    print(
        f"\n{'accounts':>8}  {'writer':<13}{'transfers/s':>12}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'B/transfer':>12}{'÷ double entry':>16}"
    )
    for r in rows:
        print(
            f"{r['accounts']:>8}  {r['side']:<13}{r['transfers_per_second']:>12.1f}"
            f"{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['bytes_per_transfer']:>12.0f}"
            f"{r['vs_double_entry']:>16.3f}"
        )


def _parser() -> argparse.ArgumentParser:
    parser = harness.arguments(
        __doc__, database_url=DATABASE_URL, redis_url=REDIS_URL, output="pgledger_method.json"
    )
    parser.add_argument(
        "--accounts", type=lambda s: [int(n) for n in s.split(",")], default=[50, 10]
    )
    parser.add_argument("--clients", type=int, default=20, help="concurrent workers, each side")
    parser.add_argument("--seconds", type=int, default=10, help="per side, accounts, round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved; medians reported")
    parser.add_argument("--warmup", type=int, default=2, help="agora seconds before each round")
    parser.add_argument("--workers", type=int, default=2, help="agora serve --workers")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
