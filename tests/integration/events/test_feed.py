"""Following with a cursor: replay what was missed, then live, nothing lost or sent twice;
a cursor older than what Redis keeps is refused, telling the client to refetch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest
import redis.asyncio as redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from api.events.feed import EventFeed
from api.events.hub import EventHub
from api.events.streams import stream_key
from domain.events.catalog import EventType
from domain.events.errors import CursorExpired
from domain.events.interest import Interest
from support.events import positions, publish, take
from support.stores import StoreUrls

WALLET = frozenset({EventType.WALLET_CHANGED.value})
ALL_TYPES = frozenset(t.value for t in EventType)


@dataclass
class World:
    engine: AsyncEngine
    redis: redis.Redis
    feed: EventFeed

    async def publish(self, participant: UUID, event_type: EventType = EventType.WALLET_CHANGED):
        return await publish(self.engine, self.redis, event_type, audience=[participant])

    async def publish_many(self, participant: UUID, n: int) -> list[int]:
        return [await self.publish(participant) for _ in range(n)]


async def make_world(stores: StoreUrls, *, page_size: int = 500) -> World:
    engine = create_async_engine(stores.database_url, pool_size=5)
    client = redis.Redis.from_url(stores.redis_url)
    hub = EventHub(stores.redis_url, buffer_limit=1000, block_ms=200)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    feed = EventFeed(hub, redis_client=client, sessions=sessions, page_size=page_size)
    await feed.start()
    return World(engine, client, feed)


async def close(world: World) -> None:
    await world.feed.stop()
    await world.redis.aclose()
    await world.engine.dispose()


@pytest.fixture
async def world(clean_stores: StoreUrls) -> AsyncIterator[World]:
    made = await make_world(clean_stores)
    yield made
    await close(made)


async def first_events(world: World, interest: Interest, after: int | None, n: int) -> list[int]:
    """The first `n` positions a new follower receives, then it goes away."""
    stream = world.feed.follow(interest, after=after)
    try:
        return positions(await take(stream, n))
    finally:
        await stream.aclose()


async def test_a_returning_client_gets_exactly_what_it_missed_in_order_once(world: World) -> None:
    me = uuid4()
    interest = Interest(me, WALLET)
    stream = world.feed.follow(interest, after=None)
    live = asyncio.ensure_future(take(stream, 3))
    await asyncio.sleep(0.1)  # registered before anything is published
    seen = positions((await asyncio.gather(live, world.publish_many(me, 3)))[0])
    await stream.aclose()  # the client goes away...

    missed = await world.publish_many(me, 5)  # ...five events happen
    await world.publish(uuid4())  # (someone else's)

    back = world.feed.follow(interest, after=seen[-1])
    try:
        replayed = positions(await take(back, 5))
        after_return = await world.publish(me)
        assert positions(await take(back, 1)) == [after_return]
    finally:
        await back.aclose()
    assert replayed == missed  # exactly those, in order, once


async def test_events_published_during_the_replay_come_once_and_in_order(
    clean_stores: StoreUrls,
) -> None:
    world = await make_world(clean_stores, page_size=3)  # many replay rounds
    me = uuid4()
    try:
        cursor = await world.publish(me)
        missed = await world.publish_many(me, 20)
        stream = world.feed.follow(Interest(me, WALLET), after=cursor)
        received = asyncio.ensure_future(take(stream, 40, within=20))
        meanwhile = await world.publish_many(me, 20)
        got = positions(await received)
        await stream.aclose()
    finally:
        await close(world)
    assert got == missed + meanwhile


async def test_a_cursor_past_the_trimmed_tail_is_refused(world: World) -> None:
    me = uuid4()
    published = await world.publish_many(me, 6)
    await world.redis.xtrim(stream_key("wallet"), maxlen=3, approximate=False)

    with pytest.raises(CursorExpired) as refused:
        await first_events(world, Interest(me, WALLET), published[0], 1)
    assert refused.value.code == "CURSOR_EXPIRED"
    # Still retained after this cursor: fine.
    assert await first_events(world, Interest(me, WALLET), published[2], 3) == published[3:]


async def test_a_cursor_is_refused_when_redis_lost_its_streams(world: World) -> None:
    me = uuid4()
    published = await world.publish_many(me, 3)
    await world.redis.delete(stream_key("wallet"))  # a restart without persistence

    with pytest.raises(CursorExpired):
        await first_events(world, Interest(me, WALLET), published[0], 1)
    # Nothing was published after the last one: nothing is missing.
    later = asyncio.ensure_future(first_events(world, Interest(me, WALLET), published[-1], 1))
    await asyncio.sleep(0.2)
    received, sent = await asyncio.gather(later, world.publish(me))
    assert received == [sent]


async def test_a_cursor_from_beyond_the_last_position_is_refused(world: World) -> None:
    last = await world.publish(uuid4())
    with pytest.raises(CursorExpired):
        await first_events(world, Interest(None, ALL_TYPES), last + 1_000, 1)


async def test_another_topic_trimmed_does_not_expire_a_cursor_on_this_one(world: World) -> None:
    """Positions skip within a topic (other topics take the ones between): a gap in the
    wallet stream is not a loss, only an event the outbox says was published is."""
    me = uuid4()
    cursor = await world.publish(me)
    for _ in range(4):
        await world.publish(me, EventType.LOAN_FUNDED)
    wanted = await world.publish(me)
    await world.redis.delete(stream_key("lending"))

    assert await first_events(world, Interest(me, WALLET), cursor, 1) == [wanted]
    with pytest.raises(CursorExpired):
        await first_events(world, Interest(me, ALL_TYPES), cursor, 1)


async def test_a_cursor_is_refused_when_redis_lost_events_after_it(world: World) -> None:
    """A failover to a replica that lagged: the stream has the events before and after the
    ones it never received, and only the outbox knows they existed."""
    me = uuid4()
    published = await world.publish_many(me, 4)
    await world.redis.xdel(stream_key("wallet"), f"{published[2]}-0")

    with pytest.raises(CursorExpired):
        await first_events(world, Interest(me, WALLET), published[0], 3)
    # after the hole, nothing is missing
    assert await first_events(world, Interest(me, WALLET), published[2], 1) == [published[3]]
