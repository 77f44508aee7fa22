"""Drill: PostgreSQL's primary killed under concurrent idempotent transfers (pg_auto_failover).

deploy/pg-failover/cluster.sh starts a monitor, a primary and a synchronous standby on
loopback ports (or `--cluster-dir` reuses a running one); `agora serve` (production settings)
connects with the multi-host URL that finds the writable primary, on a Redis of its own.
`--clients` clients send 0.01 CNY transfers, each key retried until acknowledged (see
failover_drill.py); after `--before` seconds the primary's pg_autoctl and PostgreSQL are
SIGKILLed, while an anonymous client browses `campaigns`, read on the standby
(DATABASE_READ_URL with target_session_attrs=prefer-standby). Then: every acknowledged
transfer is on the new primary exactly once, retried keys converged, `agora ledger verify`
passes on the new primary, the outbox drains. Figures: seconds from the kill to the first
successful transfer, requests refused meanwhile (typed), acknowledged transfers lost (must
be 0). Results go to stdout and bench/results/pg_failover.json.

    deploy/pg-failover/cluster.sh install     # once, as root
    python bench/pg_failover.py [--clients 8] [--before 5] [--cluster-dir DIR]
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

# isort: split
import failover_drill as drill
import harness
import servers
from redis_outage import start_redis

from api.database_urls import asyncpg_connect_args

CLUSTER = harness.REPO / "deploy" / "pg-failover" / "cluster.sh"


async def replication(database_url: str) -> dict[str, Any]:
    """What makes an acknowledged commit survive the primary: its standby is synchronous."""
    conn = await asyncpg.connect(**asyncpg_connect_args(database_url))
    try:
        names = await conn.fetchval("SHOW synchronous_standby_names")
        standbys = await conn.fetch("SELECT application_name, sync_state FROM pg_stat_replication")
        port = await conn.fetchval("SELECT inet_server_port()")
    finally:
        await conn.close()
    return {
        "primary_port": port,
        "synchronous_standby_names": names,
        "standbys": {row["application_name"]: row["sync_state"] for row in standbys},
    }


CAMPAIGNS = "{ campaigns(first: 5) { edges { node { id } } } }"


@dataclass
class Browsing:
    """An anonymous client browsing campaigns throughout (DATABASE_READ_URL, prefer-standby)."""

    answers: dict[str, int] = field(default_factory=dict)
    standby_sessions: int = 0  # Agora's connections on the standby before the kill

    def summary(self) -> dict[str, Any]:
        return {"answers": self.answers, "agora_sessions_on_the_standby": self.standby_sessions}


async def browse(base_url: str, browsing: Browsing, stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        while not stop.is_set():
            try:
                response = await client.post("/graphql", json={"query": CAMPAIGNS})
                body = response.json()
                codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or ()]
                outcome = codes[0] if codes else f"{response.status_code} ok"
            except (httpx.TransportError, ValueError) as error:
                outcome = type(error).__name__
            browsing.answers[outcome] = browsing.answers.get(outcome, 0) + 1
            await asyncio.sleep(0.2)


async def sessions_on(url: str) -> int:
    """Agora's connections to the agora database on the server at `url` (not ours)."""
    conn = await asyncpg.connect(url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'agora'"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
        )
    finally:
        await conn.close()


async def writable(database_url: str) -> bool:
    """Whether a connection that wants writes gets one now (what Agora's connections want)."""
    try:
        conn = await asyncpg.connect(**{**asyncpg_connect_args(database_url), "timeout": 1})
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
        return False
    await conn.close()
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = drill.arguments(
        __doc__, database_url="", output="pg_failover.json", clients=8, give_up=90.0
    )
    args = parser.parse_args(argv)
    cluster = drill.Cluster(CLUSTER, args.cluster_dir)
    cluster.start_if_owned()  # ~2 minutes
    database_url = cluster("url")
    redis_port = servers.free_port()
    redis_process = start_redis(redis_port)
    # browsing (listings, campaigns) on the standby while there is one: DATABASE_READ_URL
    read_url = database_url.replace("read-write", "prefer-standby")
    env = harness.agora_env(
        database_url, f"redis://127.0.0.1:{redis_port}/0", DATABASE_READ_URL=read_url
    )
    problems: list[str] = []
    report: dict[str, Any] = harness.report_head(
        "pg_failover", harness.revision(), ["asyncpg", "sqlalchemy"]
    )
    try:
        with harness.agora_server(env, "pg_failover.log") as server:
            pairs = drill.participants(server.base_url, env, args.clients)
            before = asyncio.run(replication(database_url))
            earlier = set(asyncio.run(drill.transfers_in_database(database_url)))
            victim = cluster("primary")
            print(f"replication before the kill: {before}; killing {victim}")

            async def kill_primary() -> None:
                await asyncio.to_thread(cluster, "kill", victim)

            async def drill_while_browsing() -> tuple[drill.Tally, float, Browsing]:
                browsing, stop = Browsing(), asyncio.Event()
                task = asyncio.create_task(browse(server.base_url, browsing, stop))
                await asyncio.sleep(1)
                browsing.standby_sessions = await sessions_on(cluster_standby_url(victim))
                tally, killed_at = await drill.drive(
                    server.base_url,
                    pairs,
                    before_seconds=args.before,
                    fail=kill_primary,
                    store_back=lambda: writable(database_url),
                    after_recovery_seconds=args.after,
                    give_up_seconds=args.give_up,
                )
                stop.set()
                await task
                return tally, killed_at, browsing

            def cluster_standby_url(primary: str) -> str:
                standby = "node2" if primary == "node1" else "node1"
                port = int(cluster("port", standby))
                return f"postgresql://postgres@127.0.0.1:{port}/agora"

            tally, killed_at, browsing = asyncio.run(drill_while_browsing())
            after = asyncio.run(replication(database_url))
            drained, left = asyncio.run(drill.outbox_drained(database_url, within_seconds=30))
            journals = [
                j
                for j in asyncio.run(drill.transfers_in_database(database_url))
                if j not in earlier  # a reused cluster keeps earlier runs' transfers
            ]
            log_problems = harness.logged_problems(server.log_path)
        verified, verify_output = harness.ledger_verify(database_url)
        figures = drill.figures(tally, killed_at, journals)
        print(f"figures: {figures}")
        if not cluster.owned:  # leave it as found: the killed node back, as the standby now
            started = time.monotonic()
            cluster("rejoin", victim)
            report["rejoined_as_standby_seconds"] = round(time.monotonic() - started, 1)
        report.update(
            {
                "clients": args.clients,
                "killed": victim,
                "replication_before": before,
                "browsing": browsing.summary(),
                "replication_after": after,
                "outbox_drained": drained,
                "ledger_verified": verified,
                "figures": figures,
                "log": log_problems,
            }
        )
        problems += tally.problems[:10]
        if figures["lost"] or figures["duplicated"] or figures["unacknowledged_in_database"]:
            problems.append(f"exactly once broken: {figures}")
        if not drained:
            problems.append(f"outbox: {left} events unpublished after 30 s")
        if not verified:
            problems.append(f"ledger verify: {verify_output[-300:]}")
    finally:
        redis_process.terminate()
        cluster.stop_if_owned()
    report["problems"] = problems
    print(
        f"outbox drained: {report.get('outbox_drained')}, ledger: {report.get('ledger_verified')}"
    )
    harness.write_results(args.output, report, announce=True)
    return harness.exit_status(problems)


if __name__ == "__main__":
    sys.exit(main())
