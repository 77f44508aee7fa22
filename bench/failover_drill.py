"""What a store failover drill does around the failure it causes, written once for PostgreSQL
and Redis: concurrent idempotent transfers through the API, as a careful client sends them
(each key retried until it is answered), while the drill kills a store; then the checks.

A client that gets a typed refusal (TRY_AGAIN in the payload or in a GraphQL error, or 503
UNAVAILABLE) or no answer at all retries the same idempotency key after a pause, so every key
ends acknowledged exactly once: an attempt that committed before its answer was lost comes
back as a replay (`idempotency.replayed`), one that did not commits on the retry. Anything
else (a 500, an untyped error, a wrong answer) is a problem the drill reports.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

# isort: split
import harness

from api.database_urls import asyncpg_connect_args

TRANSFER = (
    "mutation T($input: TransferInput!, $key: String!) { transfer(input: $input, "
    "idempotencyKey: $key) { status journalId idempotency { replayed } errors { code message } } }"
)
DEPOSIT = (
    "mutation D($input: RailInput!, $key: String!) { deposit(input: $input, "
    "idempotencyKey: $key) { status errors { code message } } }"
)
RETRIABLE = {"TRY_AGAIN", "UNAVAILABLE"}
RETRY_PAUSE_SECONDS = 0.1
REQUEST_TIMEOUT_SECONDS = 10.0


def arguments(
    doc: str, *, database_url: str, output: str, clients: int, give_up: float
) -> argparse.ArgumentParser:
    """A drill's command line: harness.arguments and the drill's own."""
    parser = harness.arguments(doc, database_url=database_url, output=output)
    parser.add_argument("--clients", type=int, default=clients)
    parser.add_argument("--before", type=float, default=5.0, help="seconds before the kill")
    parser.add_argument("--after", type=float, default=5.0, help="seconds after recovery")
    parser.add_argument("--give-up", type=float, default=give_up)
    parser.add_argument("--cluster-dir", type=Path, help="a running cluster (else a new one)")
    return parser


class Cluster:
    """A deploy/<store>/cluster.sh and the directory its servers run in."""

    def __init__(self, script: Path, directory: Path | None) -> None:
        self.script = script
        self.owned = directory is None  # started here, so stopped here
        self.directory = directory or Path(tempfile.mkdtemp(prefix="agora-drill-"))

    def __call__(self, command: str, *args: str) -> str:
        argv = [str(self.script), command]
        if command not in ("url", "install"):
            argv.append(str(self.directory))
        done = subprocess.run([*argv, *args], capture_output=True, text=True, check=False)
        if done.returncode:  # say why: the script's own words are on stderr
            raise RuntimeError(f"{' '.join(argv[1:2] + list(args))}: {done.stderr.strip()}")
        return done.stdout.strip()

    def start_if_owned(self) -> None:
        if self.owned:
            print(f"starting {self.script.parent.name} in {self.directory}")
            self("up")

    def stop_if_owned(self) -> None:
        if self.owned:
            self("down")


@dataclass(frozen=True)
class Pair:
    sender_token: str
    recipient_id: str


@dataclass
class Tally:
    """What the clients saw; times are time.monotonic()."""

    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> journal id
    answered_at: dict[str, float] = field(default_factory=dict)
    sent_at: dict[str, float] = field(default_factory=dict)  # the successful attempt's
    refusals: list[tuple[float, str]] = field(default_factory=list)  # (when, code)
    retried_keys: set[str] = field(default_factory=set)
    replayed_keys: set[str] = field(default_factory=set)  # committed before a lost answer
    problems: list[str] = field(default_factory=list)
    store_back_at: float | None = None  # when the store itself served again (the ceiling)


def participants(base_url: str, env: dict[str, str], count: int) -> list[Pair]:
    """`count` sender/recipient pairs, verified, each sender with 10,000.00 to send."""
    stamp = uuid.uuid4().hex[:8]
    operator_email = f"ops-{stamp}@example.com"
    harness.create_operator(env, operator_email)
    operator = harness.log_in(base_url, operator_email)
    pairs = []
    for n in range(count):
        _, sender = harness.sign_up(base_url, f"s{n}-{stamp}@example.com", ["BORROWER"])
        recipient_id, recipient = harness.sign_up(
            base_url, f"r{n}-{stamp}@example.com", ["BORROWER"]
        )
        harness.pass_kyc(base_url, sender, operator, 2 * n + 1)
        harness.pass_kyc(base_url, recipient, operator, 2 * n + 2)
        funds = {"amount": "10000.00", "currency": "CNY", "method": "BANK_CARD"}
        harness.call(base_url, DEPOSIT, {"input": funds, "key": f"fund-{n}"}, "deposit", sender)
        pairs.append(Pair(sender, recipient_id))
    return pairs


def refusal_code(status: int, body: dict[str, Any]) -> str | None:
    """The retriable code of a typed refusal, or None if the answer is something else."""
    payload = (body.get("data") or {}).get("transfer") or {}
    codes = [e.get("code") for e in payload.get("errors") or ()]
    codes += [(e.get("extensions") or {}).get("code") for e in body.get("errors") or ()]
    if codes and all(code in RETRIABLE for code in codes):
        return str(codes[0])
    return None


async def send_until_answered(
    client: httpx.AsyncClient, pair: Pair, key: str, tally: Tally
) -> None:
    """One transfer, its key retried until it is acknowledged."""
    variables = {
        "input": {"recipientId": pair.recipient_id, "amount": "0.01", "currency": "CNY"},
        "key": key,
    }
    headers = {"authorization": f"Bearer {pair.sender_token}"}
    while True:
        sent = time.monotonic()
        try:
            response = await client.post(
                "/graphql", json={"query": TRANSFER, "variables": variables}, headers=headers
            )
            status, body = response.status_code, response.json()
        except (httpx.TransportError, ValueError) as error:
            tally.refusals.append((time.monotonic(), f"no answer: {type(error).__name__}"))
            tally.retried_keys.add(key)
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            continue
        payload = (body.get("data") or {}).get("transfer") or {}
        if status == 200 and payload.get("status") == "SUCCEEDED" and not payload.get("errors"):
            tally.acknowledged[key] = payload["journalId"]
            tally.answered_at[key] = time.monotonic()
            tally.sent_at[key] = sent
            if (payload.get("idempotency") or {}).get("replayed"):
                tally.replayed_keys.add(key)
            return
        code = refusal_code(status, body)
        if code is None:
            tally.problems.append(f"{key}: HTTP {status} {str(body)[:300]}")
        else:
            tally.refusals.append((time.monotonic(), code))
        tally.retried_keys.add(key)
        await asyncio.sleep(RETRY_PAUSE_SECONDS)


async def drive(
    base_url: str,
    pairs: list[Pair],
    *,
    before_seconds: float,
    fail: Callable[[], Awaitable[None]],
    store_back: Callable[[], Awaitable[bool]],
    after_recovery_seconds: float,
    give_up_seconds: float,
) -> tuple[Tally, float]:
    """Transfers from every pair at once; `fail()` after `before_seconds`; go on until
    `after_recovery_seconds` past the first success sent after the failure (or give up).
    `store_back()` is polled from the failure on: when the store itself serves again (a
    connection that wants writes gets one, the sentinels name a master), the most any client
    of it could do. Returns the tally and the monotonic time of the failure."""
    tally = Tally()
    stop = asyncio.Event()
    failed_at = float("inf")

    async def client_loop(n: int, pair: Pair) -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_SECONDS) as c:
            count = 0
            while not stop.is_set():
                count += 1
                await send_until_answered(
                    c, pair, f"drill-{n}-{count}-{uuid.uuid4().hex[:6]}", tally
                )

    loops = [asyncio.create_task(client_loop(n, pair)) for n, pair in enumerate(pairs)]
    try:
        await asyncio.sleep(before_seconds)
        failed_at = time.monotonic()
        await fail()

        async def watch_store() -> None:
            while True:
                if await store_back():
                    tally.store_back_at = time.monotonic()
                    return
                await asyncio.sleep(0.1)

        loops.append(asyncio.create_task(watch_store()))
        deadline = failed_at + give_up_seconds
        while time.monotonic() < deadline:
            first = first_success_after(tally, failed_at)
            if first is not None and time.monotonic() > failed_at + first + after_recovery_seconds:
                break
            await asyncio.sleep(0.1)
        else:
            tally.problems.append(
                f"no transfer succeeded within {give_up_seconds} s of the failure"
            )
        stop.set()
        # each loop finishes the key it holds (retrying it until acknowledged)
        await asyncio.wait_for(asyncio.gather(*loops), timeout=give_up_seconds)
    finally:
        for loop in loops:
            loop.cancel()
    return tally, failed_at


def first_success_after(tally: Tally, failed_at: float) -> float | None:
    """Seconds from the failure to the first acknowledged transfer sent after it."""
    after = [tally.answered_at[k] for k, sent in tally.sent_at.items() if sent >= failed_at]
    return min(after) - failed_at if after else None


async def transfers_in_database(database_url: str) -> list[str]:
    """Journal ids of every P2P transfer on the (new) primary."""
    conn = await asyncpg.connect(**asyncpg_connect_args(database_url))
    try:
        rows = await conn.fetch("SELECT journal_id FROM ledger_transfer WHERE reason = 'P2P'")
    finally:
        await conn.close()
    return [str(row["journal_id"]) for row in rows]


async def outbox_drained(database_url: str, *, within_seconds: float) -> tuple[bool, int]:
    """Whether every outbox event got published within the time; the count left."""
    deadline = time.monotonic() + within_seconds
    while True:
        conn = await asyncpg.connect(**asyncpg_connect_args(database_url))
        try:
            left = int(
                await conn.fetchval("SELECT count(*) FROM outbox_event WHERE published_at IS NULL")
            )
        finally:
            await conn.close()
        if left == 0 or time.monotonic() > deadline:
            return left == 0, left
        await asyncio.sleep(0.5)


def exactly_once(tally: Tally, journals: list[str]) -> dict[str, int]:
    """Acknowledged transfers lost or doubled, and transfers no client was told about."""
    acknowledged = set(tally.acknowledged.values())
    return {
        "acknowledged": len(tally.acknowledged),
        "lost": sum(1 for j in acknowledged if j not in journals),
        "duplicated": sum(1 for j in acknowledged if journals.count(j) > 1),
        "unacknowledged_in_database": len(set(journals) - acknowledged),
    }


def figures(tally: Tally, failed_at: float, journals: list[str]) -> dict[str, Any]:
    first = first_success_after(tally, failed_at)
    refused_after = [(t, code) for t, code in tally.refusals if t >= failed_at]
    by_code: dict[str, int] = {}
    for _, code in refused_after:
        by_code[code] = by_code.get(code, 0) + 1
    store = tally.store_back_at - failed_at if tally.store_back_at is not None else None
    return {
        "seconds_to_first_success": round(first, 2) if first is not None else None,
        "seconds_until_the_store_served_again": round(store, 2) if store is not None else None,
        "refused_after_failure": len(refused_after),
        "refused_by_code": by_code,
        "last_refusal_seconds": round(max(t for t, _ in refused_after) - failed_at, 2)
        if refused_after
        else None,
        "keys_retried": len(tally.retried_keys),
        "retries_answered_by_replay": len(tally.replayed_keys),
        "untyped_failures": len(tally.problems),
        **exactly_once(tally, journals),
    }
