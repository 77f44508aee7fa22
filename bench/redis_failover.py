"""Drill: the Redis master killed under concurrent transfers and a live subscriber (Sentinel).

deploy/redis-sentinel/cluster.sh starts a master, a replica and three sentinels on loopback
ports (or `--cluster-dir` reuses running ones); `agora serve` (production settings, rate
limits on with limits out of reach, so every request is counted in Redis) connects with
REDIS_URL=redis+sentinel://…. `--clients` clients send idempotent transfers (failover_drill.py)
and one WebSocket client follows `walletChanged` of the first sender as a careful client does:
when its subscription ends it resumes with its last cursor, and after CURSOR_EXPIRED it starts
again from now (it would reload the wallet). After `--before` seconds the master is SIGKILLed;
once the replica leads, the killed server comes back as its replica, and a second round ends
with a switchover (SENTINEL FAILOVER: the master is demoted, its clients get READONLY).

Checks, each round: every acknowledged transfer in PostgreSQL exactly once, the outbox
drains (the relay publishes to the new master), the subscriber received every event of its
wallet or was told CURSOR_EXPIRED (never a silent gap); then `agora ledger verify`. Figures:
seconds from the failure to the first successful transfer, requests refused meanwhile,
acknowledged transfers lost, the subscriber's longest silence around the failure.

    deploy/redis-sentinel/cluster.sh install     # once, as root
    python bench/redis_failover.py [--clients 4] [--before 5] [--cluster-dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import redis.asyncio as redis
import websockets

# isort: split
import failover_drill as drill
import harness

from api.database_urls import asyncpg_connect_args
from api.redis_clients import redis_client

CLUSTER = harness.REPO / "deploy" / "redis-sentinel" / "cluster.sh"
DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_redis_failover"
UNREACHABLE_LIMIT = "10000/second"
FOLLOW = "subscription F($after: String) { walletChanged(after: $after) { cursor } }"


@dataclass
class Follower:
    """What the subscriber saw: positions with when they arrived, and how subscriptions ended."""

    received: dict[int, float] = field(default_factory=dict)
    endings: list[tuple[float, str]] = field(default_factory=list)
    expired_at: list[int] = field(default_factory=list)  # the cursor refused each time
    first_cursor: int | None = None


async def follow(
    base_url: str, token: str, follower: Follower, stop: asyncio.Event, cursor: int | None = None
) -> None:
    url = base_url.replace("http", "ws") + "/graphql"
    while not stop.is_set():
        try:
            async with websockets.connect(
                url,
                subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                open_timeout=5,
            ) as ws:
                init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
                await ws.send(json.dumps(init))
                ack = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
                assert ack["type"] == "connection_ack"
                variables = {"after": str(cursor) if cursor is not None else None}
                payload = {"query": FOLLOW, "variables": variables}
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
                while not stop.is_set():
                    try:
                        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=0.5))
                    except TimeoutError:
                        continue
                    if message["type"] == "next" and message["payload"].get("data"):
                        cursor = int(message["payload"]["data"]["walletChanged"]["cursor"])
                        follower.received.setdefault(cursor, time.monotonic())
                        if follower.first_cursor is None:
                            follower.first_cursor = cursor
                        continue
                    code = _code(message)
                    follower.endings.append((time.monotonic(), code))
                    if code == "CURSOR_EXPIRED":
                        follower.expired_at.append(cursor or 0)
                        cursor = None  # start again from now (a client reloads its wallet)
                    break
        except (OSError, websockets.WebSocketException, AssertionError, TimeoutError) as error:
            follower.endings.append((time.monotonic(), f"socket: {type(error).__name__}"))
        await asyncio.sleep(0.1)


async def forget_events(redis_url: str) -> None:
    client = redis_client(redis_url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


async def master_writable(redis_url: str) -> bool:
    """Whether the sentinels name a master that takes a write (a new client: a new ask)."""
    client = redis_client(redis_url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        await client.set("agora:drill:probe", "1")
    except redis.RedisError:
        return False
    finally:
        await client.aclose()
    return True


def _code(message: dict[str, Any]) -> str:
    errors = message.get("payload") or []
    if isinstance(errors, dict):
        errors = errors.get("errors") or []
    codes = [(e.get("extensions") or {}).get("code", "?") for e in errors if isinstance(e, dict)]
    return codes[0] if codes else message["type"]


async def wallet_positions(database_url: str, participant: str, after: int) -> list[int]:
    """Positions of the participant's wallet events the outbox says were published."""
    uuid = base64.b64decode(participant).decode().partition(":")[2]
    conn = await asyncpg.connect(**asyncpg_connect_args(database_url))
    try:
        rows = await conn.fetch(
            "SELECT position FROM outbox_event WHERE type = 'wallet.changed'"
            " AND $1::uuid = ANY(audience) AND position > $2 AND published_at IS NOT NULL",
            uuid,
            after,
        )
    finally:
        await conn.close()
    return sorted(row["position"] for row in rows)


def subscriber_figures(follower: Follower, expected: list[int], killed_at: float) -> dict[str, Any]:
    missed = [p for p in expected if p not in follower.received]
    # a miss is told when a CURSOR_EXPIRED came for a cursor below it
    untold = [p for p in missed if not any(c < p for c in follower.expired_at)]
    # how long the subscriber heard nothing around the failure (events go on all the time)
    arrivals = sorted(t for t in follower.received.values() if t >= killed_at - 1)
    pauses = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    endings: dict[str, int] = {}
    for _, code in follower.endings:
        endings[code] = endings.get(code, 0) + 1
    return {
        "events_expected": len(expected),
        "events_received": len([p for p in expected if p in follower.received]),
        "events_missed": len(missed),
        "missed_without_cursor_expired": len(untold),
        "subscription_endings": endings,
        "longest_silence_seconds": round(max(pauses), 2) if pauses else None,
    }


class Phase:
    """One failure under load: transfers, the follower, the checks of what they saw."""

    def __init__(
        self,
        args: argparse.Namespace,
        base_url: str,
        redis_url: str,
        pairs: list[drill.Pair],
        followed: str,
    ) -> None:
        self.args, self.base_url, self.redis_url = args, base_url, redis_url
        self.pairs, self.followed = pairs, followed

    async def run(self, fail: Callable[[], str], *, one_away: bool = False) -> dict[str, Any]:
        """`one_away`: a second subscriber leaves a second before the failure and comes back
        after it with its cursor."""
        args = self.args
        earlier = set(await drill.transfers_in_database(args.database_url))
        token = self.pairs[0].sender_token
        follower, stop = Follower(), asyncio.Event()
        following = asyncio.create_task(follow(self.base_url, token, follower, stop))
        away, stop_away = Follower(), asyncio.Event()
        if one_away:
            leaving = asyncio.create_task(follow(self.base_url, token, away, stop_away))
            asyncio.get_running_loop().call_later(args.before - 1, stop_away.set)

        async def failure() -> None:
            await asyncio.to_thread(fail)

        tally, failed_at = await drill.drive(
            self.base_url,
            self.pairs,
            before_seconds=args.before,
            fail=failure,
            store_back=lambda: master_writable(self.redis_url),
            after_recovery_seconds=args.after,
            give_up_seconds=args.give_up,
        )
        drained, left = await drill.outbox_drained(args.database_url, within_seconds=30)
        await asyncio.sleep(2)  # the last events reach the subscriber
        stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(following, timeout=5)
        journals = [
            j for j in await drill.transfers_in_database(args.database_url) if j not in earlier
        ]
        expected = await wallet_positions(
            args.database_url, self.followed, follower.first_cursor or 0
        )
        figures = drill.figures(tally, failed_at, journals)
        subscriber = subscriber_figures(follower, expected, failed_at)
        problems = tally.problems[:10]
        result: dict[str, Any] = {}
        if one_away:
            await leaving
            result["returning_subscriber"] = returning = await self.come_back(away)
            if returning["missed_without_cursor_expired"]:
                problems.append(f"silent gap for the returning subscriber: {returning}")
        if figures["lost"] or figures["duplicated"] or figures["unacknowledged_in_database"]:
            problems.append(f"exactly once broken: {figures}")
        if subscriber["missed_without_cursor_expired"]:
            problems.append(f"silent gap for the subscriber: {subscriber}")
        if not drained:
            problems.append(f"outbox: {left} events unpublished")
        return {
            "figures": figures,
            "subscriber": subscriber,
            **result,
            "outbox_drained": drained,
            "problems": problems,
        }

    async def come_back(self, away: Follower) -> dict[str, Any]:
        """Resume `away` from its last cursor; what it gets must be all it missed, or
        CURSOR_EXPIRED."""
        cursor = max(away.received, default=0)
        back, stop = Follower(), asyncio.Event()
        task = asyncio.create_task(
            follow(self.base_url, self.pairs[0].sender_token, back, stop, cursor=cursor)
        )
        await asyncio.sleep(3)
        stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, timeout=5)
        expected = await wallet_positions(self.args.database_url, self.followed, cursor)
        back.first_cursor = cursor
        figures = subscriber_figures(back, expected, 0)
        return {
            "cursor": cursor,
            "told_cursor_expired": bool(back.expired_at),
            **{k: figures[k] for k in ("events_expected", "events_received")},
            "missed_without_cursor_expired": figures["missed_without_cursor_expired"],
        }


def main(argv: Sequence[str] | None = None) -> int:
    parser = drill.arguments(
        __doc__, database_url=DATABASE_URL, output="redis_failover.json", clients=4, give_up=60.0
    )
    args = parser.parse_args(argv)
    cluster = drill.Cluster(CLUSTER, args.cluster_dir)
    cluster.start_if_owned()
    asyncio.run(harness.recreate_database(args.database_url))
    asyncio.run(forget_events(cluster("url")))  # positions start again with the database
    env = harness.agora_env(
        args.database_url,
        cluster("url"),
        AGORA_RATE_LIMITS_ENABLED="true",
        AGORA_RATE_LIMIT_PER_IP=UNREACHABLE_LIMIT,
        AGORA_RATE_LIMIT_PER_CLIENT=UNREACHABLE_LIMIT,
    )
    problems: list[str] = []
    report: dict[str, Any] = harness.report_head("redis_failover", harness.revision(), ["redis"])
    report["clients"] = args.clients
    try:
        with harness.agora_server(env, "redis_failover.log") as server:
            pairs = drill.participants(server.base_url, env, args.clients)
            me = harness.gql(server.base_url, "{ me { id } }", {}, pairs[0].sender_token)
            phase = Phase(args, server.base_url, env["REDIS_URL"], pairs, me["me"]["id"])
            victim = cluster("master")
            report["kill"] = asyncio.run(phase.run(lambda: cluster("kill", victim)))
            report["kill"]["killed"] = victim
            # the killed one back as a replica; then a switchover demotes the master, whose
            # clients get READONLY on their next write (redis-py's Sentinel connection drops
            # itself and asks the sentinels again)
            cluster("rejoin", victim)
            report["switchover"] = asyncio.run(phase.run(lambda: cluster("switchover")))
            # a replica that lags: frozen while the master takes events, then promoted
            master = cluster("master")
            report["lagging replica"] = asyncio.run(
                phase.run(lambda: cluster("lose-unreplicated", master), one_away=True)
            )
            cluster("rejoin", master)
            report["log"] = harness.logged_problems(server.log_path)
        verified, verify_output = harness.ledger_verify(args.database_url)
        report["ledger_verified"] = verified
        for name in ("kill", "switchover", "lagging replica"):
            problems += [f"{name}: {problem}" for problem in report[name].pop("problems")]
            print(f"{name}: {report[name]}")
        if not verified:
            problems.append(f"ledger verify: {verify_output[-300:]}")
    finally:
        cluster.stop_if_owned()
    report["problems"] = problems
    harness.write_results(args.output, report, announce=True)
    return harness.exit_status(problems)


if __name__ == "__main__":
    sys.exit(main())
