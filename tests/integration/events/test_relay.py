"""The relay: committed events reach their topic streams once, in order, promptly, and
survive a Redis outage."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from uuid import uuid4

import asyncpg
import pytest
import redis.asyncio as redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from api.database_urls import asyncpg_connect_args
from api.events.relay import APPLICATION_NAME, OutboxRelay, RelaySettings
from api.events.running import running_relay
from api.events.streams import decode_event, stream_key
from api.metrics import Metrics
from domain.events.catalog import TOPICS, EventType
from domain.events.repository import OUTBOX
from domain.events.services.outbox import record_event
from support.ledger import NOW
from support.redis_server import OwnedRedis
from support.stores import StoreUrls

Sessions = async_sessionmaker[AsyncSession]
FAST = RelaySettings(poll_seconds=0.05, max_backoff_seconds=0.2)


@pytest.fixture
async def bus(clean_stores: StoreUrls) -> AsyncIterator[redis.Redis]:
    client = redis.Redis.from_url(clean_stores.redis_url)
    yield client
    await client.aclose()


def relay_on(stores: StoreUrls, client: redis.Redis, settings: RelaySettings = FAST) -> OutboxRelay:
    return OutboxRelay(
        database_url=stores.database_url,
        redis_client=client,
        metrics=Metrics(),
        settings=settings,
    )


async def record(sessions: Sessions, event_type: EventType, aggregate: str, n: int = 1) -> None:
    async with sessions() as session:
        for i in range(n):
            await record_event(
                session,
                event_type,
                aggregate_type="Loan",
                aggregate_id=aggregate,
                audience=[uuid4()],
                payload={"i": i},
                occurred_at=NOW,
            )
        await session.commit()


async def streamed(client: redis.Redis) -> list[tuple[int, str, dict[str, object]]]:
    """(position, type, payload) of every event in every topic stream, by position."""
    events = []
    for topic in TOPICS:
        for _, fields in await client.xrange(stream_key(topic)):
            event = decode_event(fields)
            events.append((event.position, event.type, event.payload))
    return sorted(events, key=lambda e: e[0])


async def eventually(condition, within: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while not await condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def unpublished(sessions: Sessions) -> int:
    async with sessions() as session:
        rows = await (await session.connection()).execute(
            select(OUTBOX.c.id).where(OUTBOX.c.published_at.is_(None))
        )
        return len(rows.all())


async def test_events_reach_their_topic_streams_in_order_with_positions(
    clean_stores: StoreUrls, sessions: Sessions, bus: redis.Redis
) -> None:
    await record(sessions, EventType.MATCH_CREATED, "L1", n=3)
    await record(sessions, EventType.PAYMENT_UPDATED, "P1", n=2)

    async with running_relay(relay_on(clean_stores, bus)):
        await eventually(lambda: _count(bus, 5))

    events = await streamed(bus)
    assert [e[0] for e in events] == [1, 2, 3, 4, 5]  # one order across topics
    types = [e[1] for e in events]
    assert types == ["lending.match_created"] * 3 + ["payments.payment_updated"] * 2
    assert [e[2]["i"] for e in events] == [0, 1, 2, 0, 1]
    entry_ids = [eid for eid, _ in await bus.xrange(stream_key("payments"))]
    assert entry_ids == [b"4-0", b"5-0"]  # the entry id is the position
    assert await unpublished(sessions) == 0


async def _count(client: redis.Redis, n: int) -> bool:
    return len(await streamed(client)) >= n


async def test_a_commit_wakes_the_relay_without_waiting_for_a_poll(
    clean_stores: StoreUrls, sessions: Sessions, bus: redis.Redis
) -> None:
    slow_poll = RelaySettings(poll_seconds=30)
    async with running_relay(relay_on(clean_stores, bus, slow_poll)):
        await asyncio.sleep(0.3)  # leader, listening
        started = time.monotonic()
        await record(sessions, EventType.LOAN_FUNDED, "L7")
        await eventually(lambda: _count(bus, 1), within=5)
        elapsed = time.monotonic() - started

    assert elapsed < 1.0, f"{elapsed:.3f}s: NOTIFY did not wake the relay"


async def test_several_relays_publish_each_event_once_and_keep_aggregate_order(
    clean_stores: StoreUrls, sessions: Sessions, bus: redis.Redis
) -> None:
    relays = [relay_on(clean_stores, bus) for _ in range(3)]
    async with running_relay(relays[0]), running_relay(relays[1]), running_relay(relays[2]):
        await asyncio.gather(
            *(record(sessions, EventType.REPAYMENT_RECEIVED, f"L{a}", n=20) for a in range(10))
        )
        await eventually(lambda: _count(bus, 200))
        await asyncio.sleep(0.3)  # time for any double publish to show

    async with sessions() as session:
        rows = (
            await (await session.connection()).execute(
                select(OUTBOX.c.id, OUTBOX.c.aggregate_id, OUTBOX.c.position).order_by(
                    OUTBOX.c.position
                )
            )
        ).all()
    events = await streamed(bus)
    assert len(events) == 200
    assert [e[0] for e in events] == list(range(1, 201))  # gap-free, no duplicates
    for aggregate in {row.aggregate_id for row in rows}:
        ids = [row.id for row in rows if row.aggregate_id == aggregate]
        assert ids == sorted(ids)  # each aggregate's events published in the order recorded


async def test_a_leader_that_stopped_after_numbering_is_finished_by_the_next(
    clean_stores: StoreUrls, sessions: Sessions, bus: redis.Redis
) -> None:
    await record(sessions, EventType.MATCH_CREATED, "L1", n=4)
    first = relay_on(clean_stores, bus)
    async with running_relay(first):
        await eventually(lambda: _count(bus, 4))
    # a leader that numbered two more and published them, but died before marking them
    await record(sessions, EventType.MATCH_CREATED, "L1", n=2)
    async with sessions() as session:
        await (await session.connection()).exec_driver_sql(
            "UPDATE outbox_event SET position = nextval('outbox_position') WHERE position IS NULL"
        )
        await session.commit()
    async with running_relay(relay_on(clean_stores, bus)):
        await eventually(lambda: _no_backlog(sessions))

    assert [e[0] for e in await streamed(bus)] == [1, 2, 3, 4, 5, 6]


async def _no_backlog(sessions: Sessions) -> bool:
    return await unpublished(sessions) == 0


async def test_with_redis_down_events_wait_and_go_out_when_it_returns(
    clean_stores: StoreUrls, sessions: Sessions
) -> None:
    owned = OwnedRedis()
    owned.start()
    client = redis.Redis.from_url(owned.url, socket_connect_timeout=0.5)
    metrics = Metrics()
    relay = OutboxRelay(
        database_url=clean_stores.database_url,
        redis_client=client,
        metrics=metrics,
        settings=FAST,
    )
    try:
        async with running_relay(relay):
            await record(sessions, EventType.LOAN_FUNDED, "L1")
            await eventually(lambda: _count(client, 1))

            owned.stop()
            await record(sessions, EventType.LOAN_FUNDED, "L1", n=5)  # commits regardless
            await asyncio.sleep(0.5)
            assert await unpublished(sessions) == 5
            assert metrics.outbox_unpublished._value.get() == 5  # the lag gauge shows it

            owned.start()  # an empty Redis: it kept nothing on disk
            await eventually(lambda: _count(client, 5))
            await eventually(lambda: _no_backlog(sessions))
            after_outage = await streamed(client)
    finally:
        await client.aclose()
        owned.stop()

    # what waited in the outbox went out, in order, once
    assert [(e[0], e[2]["i"]) for e in after_outage] == [(2, 0), (3, 1), (4, 2), (5, 3), (6, 4)]
    assert metrics.outbox_unpublished._value.get() == 0


async def test_a_frozen_redis_does_not_wedge_the_leader(
    clean_stores: StoreUrls, sessions: Sessions
) -> None:
    owned = OwnedRedis()
    owned.start()
    client = redis.Redis.from_url(owned.url, socket_connect_timeout=0.5)
    metrics = Metrics()
    settings = RelaySettings(
        poll_seconds=0.05, max_backoff_seconds=0.2, publish_timeout_seconds=0.3
    )
    relay = OutboxRelay(
        database_url=clean_stores.database_url,
        redis_client=client,
        metrics=metrics,
        settings=settings,
    )
    try:
        async with running_relay(relay):
            await record(sessions, EventType.LOAN_FUNDED, "L1")
            await eventually(lambda: _count(client, 1))

            owned.freeze()  # SIGSTOP: connections stay open, nothing answers
            await record(sessions, EventType.LOAN_FUNDED, "L1", n=3)
            assert await unpublished(sessions) == 3

            async def relay_sees_backlog() -> bool:  # it only looks between publish attempts
                return bool(metrics.outbox_unpublished._value.get() == 3)

            await eventually(relay_sees_backlog, within=5.0)  # not stuck waiting on Redis

            owned.thaw()
            await eventually(lambda: _count(client, 4))
            await eventually(lambda: _no_backlog(sessions))
            after = await streamed(client)
        stopped_at = time.monotonic()
    finally:
        owned.thaw()
        await client.aclose()
        owned.stop()

    # once each, in order, whatever the attempts that timed out had already written
    assert [e[0] for e in after] == [1, 2, 3, 4]
    assert time.monotonic() - stopped_at < 5


async def _on_database(stores: StoreUrls) -> asyncpg.Connection:
    return await asyncpg.connect(**asyncpg_connect_args(stores.database_url))


async def _relay_sessions(conn: asyncpg.Connection) -> list[int]:
    """The backends of relays on this database (their pids), the newest last."""
    rows = await conn.fetch(
        "SELECT pid FROM pg_stat_activity"
        " WHERE application_name = $1 AND datname = current_database() ORDER BY backend_start",
        APPLICATION_NAME,
    )
    return [row["pid"] for row in rows]


async def _outbox_positions(conn: asyncpg.Connection) -> list[int]:
    """Every event's position, once all are published."""
    rows = await conn.fetch(
        "SELECT position, published_at FROM outbox_event ORDER BY position NULLS LAST"
    )
    assert all(row["published_at"] is not None for row in rows)
    return [row["position"] for row in rows]


async def test_a_killed_relay_session_is_replaced_and_nothing_is_skipped_or_doubled(
    clean_stores: StoreUrls, sessions: Sessions, bus: redis.Redis
) -> None:
    """What a failover does to the relay: its session gone mid-stream (pg_terminate_backend),
    again and again; each time it connects again and goes on from the outbox."""
    metrics = Metrics()
    settings = RelaySettings(poll_seconds=0.05, max_backoff_seconds=0.2, batch_size=7)
    relay = OutboxRelay(
        database_url=clean_stores.database_url, redis_client=bus, metrics=metrics, settings=settings
    )
    admin, killed = await _on_database(clean_stores), set[int]()
    try:
        async with running_relay(relay):
            for round_ in range(1, 4):

                async def connected_again() -> bool:
                    return bool(set(await _relay_sessions(admin)) - killed)

                await eventually(connected_again, within=30)
                session = (await _relay_sessions(admin))[-1]
                await record(sessions, EventType.REPAYMENT_RECEIVED, f"L{round_}", n=40)
                assert await admin.fetchval("SELECT pg_terminate_backend($1)", session)
                killed.add(session)
                await eventually(lambda n=round_: _reconnects_at_least(metrics, n), within=30)
            await eventually(lambda: _no_backlog(sessions), within=30)
            await eventually(lambda: _leading(metrics), within=30)
            positions = await _outbox_positions(admin)
    finally:
        await admin.close()

    events = await streamed(bus)
    assert len(positions) == 120
    # each event once, under the position the outbox gave it (a numbering cut short by the
    # kill may have spent sequence values: positions need not be consecutive)
    assert [e[0] for e in events] == positions
    assert [e[2]["i"] for e in events] == list(range(40)) * 3  # every round's, in order


async def test_a_statement_stuck_on_a_lock_costs_the_connection_not_the_relay(
    clean_stores: StoreUrls, sessions: Sessions, bus: redis.Redis
) -> None:
    """The drill's stall: marking events published never answered, and the relay waited on
    it for good. Now the step times out, the connection is terminated, the relay connects
    again, publishes again (Redis keeps each entry once) and drains when the lock goes."""
    await record(sessions, EventType.MATCH_CREATED, "L1", n=4)
    metrics = Metrics()
    settings = RelaySettings(
        poll_seconds=0.05, max_backoff_seconds=0.2, database_timeout_seconds=1.0
    )
    relay = OutboxRelay(
        database_url=clean_stores.database_url, redis_client=bus, metrics=metrics, settings=settings
    )
    admin, blocker = await _on_database(clean_stores), await _on_database(clean_stores)
    try:
        # numbered by a leader that stopped, then the table locked against updates (reads
        # and the relay's lock go on): publishing works, marking the rows published waits
        await blocker.execute(
            "UPDATE outbox_event SET position = nextval('outbox_position') WHERE position IS NULL"
        )
        lock = blocker.transaction()
        await lock.start()
        await blocker.execute("LOCK TABLE outbox_event IN SHARE MODE")
        async with running_relay(relay):
            await eventually(lambda: _reconnects_at_least(metrics, 2), within=60)
            assert await unpublished(sessions) == 4
            await eventually(lambda: _count(bus, 4), within=30)

            await lock.rollback()
            await eventually(lambda: _no_backlog(sessions), within=60)
            # the abandoned sessions did not linger (nor hold the leader lock)
            await eventually(lambda: _relay_sessions_exactly(admin, 1), within=60)
            await eventually(lambda: _leading(metrics), within=30)
    finally:
        await blocker.close()
        await admin.close()

    assert [e[0] for e in await streamed(bus)] == [1, 2, 3, 4]  # published again, kept once


async def _relay_sessions_exactly(conn: asyncpg.Connection, n: int) -> bool:
    return len(await _relay_sessions(conn)) == n


async def _leading(metrics: Metrics) -> bool:
    return bool(metrics.relay_leader._value.get() == 1)


async def _reconnects_at_least(metrics: Metrics, n: int) -> bool:
    return bool(metrics.relay_reconnects._value.get() >= n)
