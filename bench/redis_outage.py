"""Benchmark: request latency with Redis healthy, frozen (SIGSTOP) and stopped, in one run.

`agora serve` (production settings, rate limits on with limits out of reach, so every request
is counted) runs on a Redis server of the benchmark's own. One client sends, one at a time,
a signed-in `{ me { id } }` and an idempotent `transfer` of 0.01 CNY between two verified
participants, for `--requests` each, first with Redis healthy, then frozen by SIGSTOP (it keeps
its connections and answers nothing), then stopped. Reports p50 and p99 of each and what the
outage adds at p99 against the healthy phase of the same run (aim: ≤ 50 ms); every answer must
be right (200, no errors; a revoked session refused throughout). Results go to stdout and
bench/results/redis_outage.json.

    python bench/redis_outage.py [--requests 300]
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from typing import Any

import httpx
import redis as sync_redis

# isort: split
# Siblings in bench/: running a script puts its own directory first on sys.path.
import harness
import load
import servers

DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_redis_outage"
UNREACHABLE_LIMIT = "10000/second"
TARGET_ADDED_P99_MS = 50.0
ME = "{ me { id } }"
LOG_OUT = "mutation { logOut { errors { code } } }"
TRANSFER = (
    "mutation T($input: TransferInput!, $key: String!) { transfer(input: $input, "
    "idempotencyKey: $key) { status errors { code message } } }"
)
DEPOSIT = (
    "mutation D($input: RailInput!, $key: String!) { deposit(input: $input, "
    "idempotencyKey: $key) { status errors { code message } } }"
)
PHASES = ("healthy", "frozen", "stopped")


def start_redis(port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed")
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = sync_redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return process
        except sync_redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


async def timed(client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str):
    started = time.perf_counter()
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    return (time.perf_counter() - started) * 1000, response.status_code, response.json()


async def phase(
    base_url: str, requests: int, sender: str, recipient_id: str, revoked: str
) -> tuple[dict[str, dict[str, float]], list[str]]:
    """p50/p99 (ms) of `me` and `transfer`; the problems seen (wrong answers)."""
    problems: list[str] = []
    times: dict[str, list[float]] = {"me": [], "transfer": []}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for n in range(requests):
            ms, status, body = await timed(client, ME, {}, sender)
            times["me"].append(ms)
            if status != 200 or body.get("errors"):
                problems.append(f"me: {status} {str(body)[:200]}")
            variables = {
                "input": {"recipientId": recipient_id, "amount": "0.01", "currency": "CNY"},
                "key": str(uuid.uuid4()),
            }
            ms, status, body = await timed(client, TRANSFER, variables, sender)
            times["transfer"].append(ms)
            answer = (body.get("data") or {}).get("transfer") or {}
            if status != 200 or answer.get("errors") or answer.get("status") != "SUCCEEDED":
                problems.append(f"transfer: {status} {str(body)[:200]}")
            if n % 50 == 0:  # a revoked session stays refused whatever Redis does
                _, status, _ = await timed(client, ME, {}, revoked)
                if status != 401:
                    problems.append(f"revoked token answered {status}")
    figures = {
        name: {
            "p50_ms": round(load.percentile(values, 50), 2),
            "p99_ms": round(load.percentile(values, 99), 2),
        }
        for name, values in times.items()
    }
    return figures, problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.arguments(__doc__, database_url=DATABASE_URL, output="redis_outage.json")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)
    asyncio.run(harness.recreate_database(args.database_url))
    revision = harness.revision()
    port = servers.free_port()
    redis_process = start_redis(port)
    env = harness.agora_env(
        args.database_url,
        f"redis://127.0.0.1:{port}/0",
        AGORA_RATE_LIMITS_ENABLED="true",
        AGORA_RATE_LIMIT_PER_IP=UNREACHABLE_LIMIT,
        AGORA_RATE_LIMIT_PER_CLIENT=UNREACHABLE_LIMIT,
    )
    results: dict[str, Any] = {}
    problems: list[str] = []
    try:
        with harness.agora_server(env, "redis_outage.log") as server:
            url = server.base_url
            operator_email = f"ops-{uuid.uuid4().hex[:8]}@example.com"
            harness.create_operator(env, operator_email)
            operator = harness.log_in(url, operator_email)
            stamp = uuid.uuid4().hex[:8]
            _, sender = harness.sign_up(url, f"a-{stamp}@example.com", ["BORROWER"])
            recipient_id, recipient = harness.sign_up(url, f"b-{stamp}@example.com", ["BORROWER"])
            harness.pass_kyc(url, sender, operator, 1)
            harness.pass_kyc(url, recipient, operator, 2)
            harness.call(
                url,
                DEPOSIT,
                {
                    "input": {"amount": "10000.00", "currency": "CNY", "method": "BANK_CARD"},
                    "key": "fund",
                },
                "deposit",
                sender,
            )
            _, revoked = harness.sign_up(url, f"c-{stamp}@example.com", ["BORROWER"])
            harness.call(url, LOG_OUT, {}, "logOut", revoked)
            for name in PHASES:
                if name == "frozen":
                    redis_process.send_signal(signal.SIGSTOP)
                elif name == "stopped":
                    redis_process.send_signal(signal.SIGCONT)
                    redis_process.terminate()
                    redis_process.wait(10)
                figures, seen = asyncio.run(
                    phase(url, args.requests, sender, recipient_id, revoked)
                )
                results[name] = figures
                problems += [f"{name}: {p}" for p in seen[:5]]
                print(f"{name:8} {figures}")
        verified, verify_output = harness.ledger_verify(args.database_url)
        if not verified:
            problems.append(f"ledger verify: {verify_output[-300:]}")
    finally:
        if redis_process.poll() is None:
            redis_process.send_signal(signal.SIGCONT)
            redis_process.terminate()
    added = {
        phase_name: {
            name: round(results[phase_name][name]["p99_ms"] - results["healthy"][name]["p99_ms"], 2)
            for name in ("me", "transfer")
        }
        for phase_name in ("frozen", "stopped")
        if phase_name in results
    }
    print(f"added at p99 (ms) against healthy: {added} (aim ≤ {TARGET_ADDED_P99_MS})")
    report = {
        **harness.report_head("redis_outage", revision, ["redis", "asyncpg"]),
        "requests_per_phase": args.requests,
        "phases": results,
        "added_p99_ms": added,
        "target_added_p99_ms": TARGET_ADDED_P99_MS,
        "problems": problems,
    }
    harness.write_results(args.output, report, announce=True)
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
