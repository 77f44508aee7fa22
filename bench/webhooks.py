"""Benchmark: webhook fan-out and delivery against a local receiver, and the bare HTTP ceiling.

Seeds --endpoints merchants with one endpoint each and --events published wallet.changed
events (each about one merchant, round robin), then measures, on PostgreSQL and a receiver
process (`bench/webhook_receiver.py`, uvicorn answering 204) on this machine:

- fan-out: `fan_out_events` turning every published event into its delivery (events/s);
- delivery: W workers (asyncio tasks in this process, each its own sessions and HTTP client,
  as `agora worker` runs them) signing, POSTing and logging every delivery (deliveries/s);
- ceiling: the same number of POSTs of the same bodies with the same concurrency (W x the
  delivery batch), plain httpx and nothing else, in the same run: what HTTP alone costs here.

    python bench/webhooks.py [--events 2000] [--endpoints 20] [--workers 1,4]
                             [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_webhooks]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import cpu  # siblings in bench/: running a script puts its directory first on sys.path
import harness
import httpx
import servers
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

import domain.tables  # noqa: F401  # every table, so foreign keys resolve
from api.events.outbox_queries import mark_published, number_next_batch
from api.events.relay import asyncpg_dsn
from api.security.vault import AesGcmVault
from api.webhooks.sender import HttpWebhookSender
from domain.actors import Actor, ActorKind
from domain.clock import SystemClock
from domain.events.catalog import EventType
from domain.events.rows import event_row
from domain.events.services.outbox import record_events
from domain.participants.roles import Role
from domain.participants.tables import Participant
from domain.webhooks.services.delivery import DeliveryPolicy, deliver_due_webhooks
from domain.webhooks.services.endpoints import create_endpoint
from domain.webhooks.services.fan_out import fan_out_events
from domain.webhooks.urls import EndpointUrlPolicy

RESULTS = harness.RESULTS
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/agora_bench_webhooks"
LOOPBACK = EndpointUrlPolicy(allow_http_to_loopback=True, allow_private_addresses=True)
VAULT = AesGcmVault(os.urandom(32))
CLOCK = SystemClock()
Sessions = async_sessionmaker[AsyncSession]


async def seed(sessions: Sessions, url: str, receiver: str, endpoints: int, events: int) -> None:
    owners = []
    for n in range(endpoints):
        now = CLOCK.now()
        async with sessions() as session:
            row = Participant(
                kind="BUSINESS",
                display_name=f"m{n}",
                password_hash="-",
                roles=["MERCHANT"],
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            owner = Actor(ActorKind.PERSON, participant_id=row.id, roles=frozenset({Role.MERCHANT}))
            await create_endpoint(
                session=session,
                clock=CLOCK,
                actor=owner,
                vault=VAULT,
                url_policy=LOOPBACK,
                url=f"{receiver}/hook?m={n}",
            )
            await session.commit()
        owners.append(row.id)
    payload = {
        "currency": "CNY",
        "available": 100_000,
        "held": 0,
        "total": 100_000,
        "journal_id": "00000000-0000-0000-0000-000000000000",
        "reason": "DEPOSIT",
    }
    for start in range(0, events, 500):
        async with sessions() as session:
            await record_events(
                session,
                [
                    event_row(
                        EventType.WALLET_CHANGED,
                        aggregate_type="Wallet",
                        aggregate_id=n,
                        audience=[owners[n % endpoints]],
                        payload=payload,
                        occurred_at=CLOCK.now(),
                    )
                    for n in range(start, min(events, start + 500))
                ],
            )
            await session.commit()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        while numbered := await number_next_batch(conn, 500):
            await mark_published(conn, [row["id"] for row in numbered])
    finally:
        await conn.close()


async def reset_deliveries(sessions: Sessions) -> None:
    async with sessions() as session:
        await (await session.connection()).execute(
            text("TRUNCATE webhook_attempt, webhook_delivery, webhook_fan_out_cursor")
        )
        await session.commit()


async def timed_fan_out(sessions: Sessions) -> tuple[int, float]:
    started = time.perf_counter()
    created = await fan_out_events(sessions, CLOCK)
    return created, time.perf_counter() - started


async def one_worker(sessions: Sessions) -> int:
    sender = HttpWebhookSender(LOOPBACK)
    try:
        return await deliver_due_webhooks(
            sessions, CLOCK, vault=VAULT, sender=sender, policy=DeliveryPolicy(max_batches=10**6)
        )
    finally:
        await sender.aclose()


async def timed_delivery(sessions: Sessions, workers: int) -> tuple[int, float]:
    started = time.perf_counter()
    done = await asyncio.gather(*(one_worker(sessions) for _ in range(workers)))
    return sum(done), time.perf_counter() - started


async def timed_ceiling(receiver: str, posts: int, concurrency: int, body: bytes) -> float:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(posts):
        queue.put_nowait(n)

    async def post_all(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            queue.get_nowait()
            response = await client.post(
                f"{receiver}/hook", content=body, headers={"content-type": "application/json"}
            )
            assert response.status_code == 204

    started = time.perf_counter()
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency)) as client:
        await asyncio.gather(*(post_all(client) for _ in range(concurrency)))
    return time.perf_counter() - started


async def run(args: argparse.Namespace) -> dict[str, object]:
    await harness.migrated_database(args.database_url)
    engine = create_async_engine(args.database_url, pool_size=16, max_overflow=0)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    port = servers.free_port()
    argv = [
        sys.executable,
        str(Path(__file__).with_name("webhook_receiver.py")),
        "--port",
        str(port),
    ]
    results: dict[str, object] = {"events": args.events, "endpoints": args.endpoints, "runs": []}
    try:
        with servers.running(
            "receiver",
            argv,
            port=port,
            ready_path="/healthz",
            log_path=RESULTS / "webhook_receiver.log",
        ) as receiver:
            await seed(sessions, args.database_url, receiver.base_url, args.endpoints, args.events)
            body = json.dumps({"id": "evt_1", "type": "wallet.changed", "data": {}}).encode()
            for workers in args.workers:
                await reset_deliveries(sessions)
                before = cpu.snapshot([receiver.process.pid])
                created, fan_out_s = await timed_fan_out(sessions)
                delivered, delivery_s = await timed_delivery(sessions, workers)
                ceiling_s = await timed_ceiling(
                    receiver.base_url, delivered, workers * DeliveryPolicy().batch, body
                )
                foreign = cpu.foreign_share(before, cpu.snapshot([receiver.process.pid]))
                row = {
                    "workers": workers,
                    "fan_out_events_per_s": round(args.events / fan_out_s),
                    "deliveries": created,
                    "delivered": delivered,
                    "deliveries_per_s": round(delivered / delivery_s),
                    "ceiling_posts_per_s": round(delivered / ceiling_s),
                    "share_of_ceiling": round(ceiling_s / delivery_s, 2),
                    "other_work_share": None if foreign is None else round(foreign, 2),
                }
                results["runs"].append(row)  # type: ignore[attr-defined]
                print(json.dumps(row), flush=True)
    finally:
        await engine.dispose()
    return results


def main() -> None:
    parser = harness.arguments(__doc__, database_url=DEFAULT_DATABASE_URL)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--endpoints", type=int, default=20)
    parser.add_argument("--workers", type=lambda s: [int(w) for w in s.split(",")], default=[1, 4])
    args = parser.parse_args()
    results = asyncio.run(run(args))
    results["at"] = datetime.now(UTC).isoformat()
    harness.write_results(RESULTS / "webhooks.json", results)


if __name__ == "__main__":
    main()
