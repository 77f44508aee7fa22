"""The hub: one XREAD loop per process, fanned out in memory to bounded local subscribers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from uuid import uuid4

import pytest
import redis.asyncio as redis

from api.events.hub import READ_COUNT, EventHub
from api.events.subscriber import LocalSubscriber
from domain.events.catalog import EventType
from domain.events.errors import EventsUnavailable, SlowConsumer
from domain.events.interest import Interest
from support.events import positions, xadd_event
from support.redis_server import OwnedRedis
from support.stores import StoreUrls

ALL_TYPES = frozenset(t.value for t in EventType)
WALLET = frozenset({EventType.WALLET_CHANGED.value})
LENDING = frozenset({EventType.MATCH_CREATED.value, EventType.LOAN_FUNDED.value})


@pytest.fixture
async def redis_client(clean_stores: StoreUrls) -> AsyncIterator[redis.Redis]:
    client = redis.Redis.from_url(clean_stores.redis_url)
    yield client
    await client.aclose()


async def running_hub(url: str, *, buffer_limit: int = 1000) -> EventHub:
    hub = EventHub(url, buffer_limit=buffer_limit, block_ms=200)
    await hub.start()
    async with asyncio.timeout(5):
        await hub.wait_ready()
    return hub


@pytest.fixture
async def hub(clean_stores: StoreUrls) -> AsyncIterator[EventHub]:
    started = await running_hub(clean_stores.redis_url, buffer_limit=2_000)
    yield started
    await started.stop()


async def drain(subscriber: LocalSubscriber, n: int) -> list[int]:
    async with asyncio.timeout(10):
        return positions([await subscriber.next() for _ in range(n)])


async def test_each_subscriber_receives_what_concerns_it(
    hub: EventHub, redis_client: redis.Redis
) -> None:
    alice, bob = uuid4(), uuid4()
    alice_wallet = hub.subscribe(Interest(alice, WALLET))
    alice_lending = hub.subscribe(Interest(alice, LENDING))
    bob_all = hub.subscribe(Interest(bob, ALL_TYPES))
    operator = hub.subscribe(Interest(None, ALL_TYPES))

    to_alice = await xadd_event(redis_client, EventType.WALLET_CHANGED, audience=[alice])
    to_bob = await xadd_event(redis_client, EventType.WALLET_CHANGED, audience=[bob])
    to_both = await xadd_event(redis_client, EventType.MATCH_CREATED, audience=[alice, bob])
    to_nobody = await xadd_event(redis_client, EventType.PAYMENT_UPDATED, audience=[uuid4()])

    assert await drain(operator, 4) == [to_alice, to_bob, to_both, to_nobody]
    assert await drain(alice_wallet, 1) == [to_alice]
    assert await drain(alice_lending, 1) == [to_both]
    assert await drain(bob_all, 2) == [to_bob, to_both]
    await asyncio.sleep(0.3)  # a further read: still nothing more for anyone
    assert [len(s.events) for s in (alice_wallet, alice_lending, bob_all, operator)] == [0] * 4


async def test_reading_starts_at_the_end_of_the_streams(
    clean_stores: StoreUrls, redis_client: redis.Redis
) -> None:
    old = await xadd_event(redis_client, EventType.WALLET_CHANGED, audience=[uuid4()])
    hub = await running_hub(clean_stores.redis_url)
    try:
        operator = hub.subscribe(Interest(None, ALL_TYPES))
        new = await xadd_event(redis_client, EventType.WALLET_CHANGED, audience=[uuid4()])
        assert await drain(operator, 1) == [new]
    finally:
        await hub.stop()
    assert old < new


async def test_events_of_all_topics_come_in_position_order(
    hub: EventHub, redis_client: redis.Redis
) -> None:
    """More than one read's worth on two streams: a full read must not release later
    positions of one stream before earlier ones of the other."""
    operator = hub.subscribe(Interest(None, ALL_TYPES))
    types = [EventType.WALLET_CHANGED] * 3 + [EventType.LOAN_FUNDED]  # uneven on purpose
    start = 5_000_000
    async with redis_client.pipeline(transaction=True) as pipe:
        for offset in range(READ_COUNT * 3):
            await xadd_event(pipe, types[offset % 4], audience=[uuid4()], position=start + offset)
        await pipe.execute()

    received = await drain(operator, READ_COUNT * 3)

    assert received == list(range(start, start + READ_COUNT * 3))


async def test_a_slow_subscriber_is_cut_off_and_the_others_keep_receiving(
    clean_stores: StoreUrls, redis_client: redis.Redis
) -> None:
    hub = await running_hub(clean_stores.redis_url, buffer_limit=5)
    participant = uuid4()
    slow = hub.subscribe(Interest(participant, WALLET))
    fast = hub.subscribe(Interest(participant, WALLET))
    try:
        fast_receives = asyncio.create_task(drain(fast, 20))
        sent = []
        for _ in range(20):  # the slow one never reads: its sixth event overflows it
            sent.append(
                await xadd_event(redis_client, EventType.WALLET_CHANGED, audience=[participant])
            )
            await asyncio.sleep(0.01)
        assert await fast_receives == sent
        with pytest.raises(SlowConsumer) as cut_off:
            await slow.next()
        assert cut_off.value.code == "SLOW_CONSUMER"
        assert hub.overflows == 1
        assert hub.subscriber_count == 1  # the slow one is forgotten, its buffer freed
    finally:
        await hub.stop()


async def test_a_dropped_connection_resumes_where_it_stopped(
    hub: EventHub, redis_client: redis.Redis
) -> None:
    operator = hub.subscribe(Interest(None, ALL_TYPES))
    before = await xadd_event(redis_client, EventType.WALLET_CHANGED, audience=[uuid4()])
    assert await drain(operator, 1) == [before]
    assert hub._client is not None
    hub_connection = await hub._client.client_id()

    await redis_client.client_kill_filter(_id=hub_connection)
    while_away = [
        await xadd_event(redis_client, EventType.WALLET_CHANGED, audience=[uuid4()])
        for _ in range(5)
    ]

    assert await drain(operator, 5) == while_away
    assert await hub._client.client_id() != hub_connection  # it did reconnect


@pytest.fixture
def own_redis() -> Iterator[OwnedRedis]:
    """A Redis of this test's own, to stop and start again."""
    server = OwnedRedis()
    server.start()
    yield server
    server.stop()


async def wait_for_redis(url: str) -> redis.Redis:
    client = redis.Redis.from_url(url)
    async with asyncio.timeout(10):
        while True:
            try:
                await client.ping()
                return client
            except redis.ConnectionError:
                await asyncio.sleep(0.05)


async def test_the_hub_outlives_a_redis_restart_and_ends_subscriptions_that_may_have_a_gap(
    own_redis: OwnedRedis,
) -> None:
    client = await wait_for_redis(own_redis.url)
    hub = await running_hub(own_redis.url)
    operator = hub.subscribe(Interest(None, ALL_TYPES))
    try:
        first = await xadd_event(client, EventType.WALLET_CHANGED, audience=[uuid4()])
        assert await drain(operator, 1) == [first]

        # streams and all, as a failover to a replica that lagged: what the hub had not read
        # yet may be gone, so its subscribers are sent back to their cursors
        await asyncio.to_thread(own_redis.stop)
        await asyncio.sleep(0.5)  # the hub notices and backs off
        await asyncio.to_thread(own_redis.start)
        await client.aclose()
        client = await wait_for_redis(own_redis.url)
        with pytest.raises(EventsUnavailable):
            async with asyncio.timeout(10):
                await operator.next()
        newcomer = hub.subscribe(Interest(None, ALL_TYPES))
        later = [
            await xadd_event(client, EventType.WALLET_CHANGED, audience=[uuid4()]) for _ in range(3)
        ]

        assert await drain(newcomer, 3) == later
        assert hub.servers_changed == 1
    finally:
        await hub.stop()
        await client.aclose()


async def test_the_hub_outlives_a_frozen_redis(own_redis: OwnedRedis) -> None:
    client = await wait_for_redis(own_redis.url)
    hub = EventHub(own_redis.url, buffer_limit=1000, block_ms=100)
    await hub.start()
    async with asyncio.timeout(5):
        await hub.wait_ready()
    operator = hub.subscribe(Interest(None, ALL_TYPES))
    try:
        first = await xadd_event(client, EventType.WALLET_CHANGED, audience=[uuid4()])
        assert await drain(operator, 1) == [first]

        own_redis.freeze()  # SIGSTOP: the hub's blocking read gets no answer
        await asyncio.sleep(1.0)
        own_redis.thaw()
        later = [
            await xadd_event(client, EventType.WALLET_CHANGED, audience=[uuid4()]) for _ in range(3)
        ]

        assert await drain(operator, 3) == later
    finally:
        own_redis.thaw()
        await hub.stop()
        await client.aclose()
