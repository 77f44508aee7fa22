"""Benchmark: `agora demo --days 30`, its wall time and simulated operations per second.

Setup (not timed): a fresh database migrated to head. Timed: `agora demo --days D --seed S`
as a user runs it (a subprocess, `AGORA_ENV=dev`, passwords hashed at the production cost),
its wall time from start to exit, the operations it reports (use cases run, refusals
included, the worker's jobs not counted) and their rate, and the CPU it and PostgreSQL used.
The ceiling, in the same run on the same database: the cheapest money-moving use case
(`deposit`, one unit of work each) run back to back in-process; the demo's rate is given as
a ratio of it. Checks: the demo exits 0 and its ledger verifies.

    python bench/demo.py [--days 30] [--seed 1] [--ceiling-operations 300]
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

# isort: split
# Siblings in bench/: running a script puts its own directory first on sys.path.
import cpu
import harness
from harness import REPO, RESULTS

from api.security.passwords import Argon2Hasher
from domain.actors import Actor, ActorKind
from domain.clock import SystemClock
from domain.money import Money
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from domain.participants.services.registration import register
from domain.unit_of_work import UnitOfWork
from domain.wallets.rails import RailMethod, SimulatedRail
from domain.wallets.services.movements import deposit

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_demo"
REPORTED = re.compile(r"^(\d+) operations in ([\d.]+) s")


def run_demo(args: Any) -> dict[str, Any]:
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "AGORA_ENV": "dev",
        "AGORA_LOG_LEVEL": "warning",
        "AGORA_DATA_DIR": tempfile.mkdtemp(prefix="agora-bench-demo-"),
    }
    env.pop("REDIS_URL", None)
    argv = [sys.executable, "-m", "api.cli", "demo", "--days", str(args.days)]
    argv += ["--seed", str(args.seed)]
    before = cpu.snapshot([])
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    postgres_before = cpu.postgres_cpu_seconds()
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = cpu.snapshot([])
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "demo.log").write_text(done.stdout + done.stderr)
    reported = [m for line in done.stdout.splitlines() if (m := REPORTED.match(line))]
    operations = int(reported[0].group(1)) if reported else 0
    return {
        "exit_code": done.returncode,
        "ledger_consistent": "ledger          consistent" in done.stdout,
        "wall_seconds": round(wall, 1),
        "operations": operations,
        "operations_per_second": round(operations / wall, 1),
        "demo_cpu_seconds": round(
            (children.ru_utime + children.ru_stime)
            - (children_before.ru_utime + children_before.ru_stime),
            1,
        ),
        "postgres_cpu_seconds": round(cpu.postgres_cpu_seconds() - postgres_before, 1),
        "machine_taken_by_other_work": cpu.foreign_share(before, after),
        "progress_lines": sum(1 for line in done.stdout.splitlines() if line.startswith("day ")),
    }


async def ceiling(database_url: str, operations: int) -> dict[str, Any]:
    """`deposit` back to back, each in its own unit of work: the cheapest money-moving step."""
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    clock = SystemClock()
    try:
        member = await UnitOfWork(sessions).run(
            lambda session: register(
                session=session,
                clock=clock,
                actor=Actor.anonymous(),
                hasher=Argon2Hasher(time_cost=1, memory_cost_kib=8),
                kind=ParticipantKind.PERSON,
                display_name="Ceiling",
                email=f"ceiling-{time.time_ns()}@bench.agora.test",
                phone=None,
                password=harness.PASSWORD,
                roles=frozenset({Role.INVESTOR}),
            )
        )
        actor = Actor(ActorKind.PERSON, participant_id=member.id, roles=frozenset({Role.INVESTOR}))
        started = time.perf_counter()
        for n in range(operations):
            await UnitOfWork(sessions).run(
                lambda session, n=n: deposit(
                    session=session,
                    clock=clock,
                    actor=actor,
                    rail=SimulatedRail(),
                    amount=Money(10_000, "CNY"),
                    method=RailMethod.BANK_TRANSFER,
                    idempotency_key=f"ceiling-{n}",
                )
            )
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    return {"operations": operations, "operations_per_second": round(operations / seconds, 1)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.arguments(__doc__, database_url=DATABASE_URL)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ceiling-operations", type=int, default=300)
    args = parser.parse_args(argv)
    asyncio.run(harness.migrated_database(args.database_url))
    demo = run_demo(args)
    top = asyncio.run(ceiling(args.database_url, args.ceiling_operations))
    ratio = demo["operations_per_second"] / top["operations_per_second"]
    report = {
        **harness.report_head("demo", harness.revision(), ["sqlalchemy", "asyncpg"]),
        "days": args.days,
        "seed": args.seed,
        "demo": demo,
        "ceiling_deposits": top,
        "ratio_to_ceiling": round(ratio, 3),
        "ok": demo["exit_code"] == 0 and demo["ledger_consistent"],
    }
    harness.write_results(RESULTS / "demo.json", report)
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
