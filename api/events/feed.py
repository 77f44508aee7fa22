"""Following events with a cursor: what was missed replayed from Redis, then live from the hub.

`follow` registers the live subscriber first, then replays with XRANGE from the cursor
(exclusive) on every topic stream of the interest, then goes live, skipping positions the
replay covered: an event published meanwhile is in both, and is sent once.

Each replay round reads all topics inside one MULTI, so the round sees every stream at the
same instant; rounds repeat until one finds no stream with more. A subscriber whose live
buffer fills while it replays is taken back with an empty buffer: what was dropped is in
Redis and the next round reads it, so only a subscriber that is live can be too slow.

Is the cursor still good? PostgreSQL's outbox is the record of what was published; Redis
keeps a bounded tail of it (MAXLEN trimming), and may have lost it all (a restart without
persistence). For each topic the first event the outbox says was published after the cursor
must be the first entry Redis still has after it; if Redis starts later, or has nothing,
events were trimmed or lost: CURSOR_EXPIRED. And each page read must hold every event the
outbox numbered in its span: a Redis that failed over to a replica which lagged keeps the
events before and after what it never received, a hole no first-entry check sees
(CURSOR_EXPIRED too). This is exact on Redis 6.2 (the embedded one)
and 7 alike — unlike XINFO's max-deleted-entry-id (Redis 7 only, blind to lost data) or a
first-entry comparison (positions are gap-free across topics, not within one). A cursor
beyond the last position the outbox ever gave is expired too (the stores were reset).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as redis
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from api.events.hub import EventHub
from api.events.ordering import Entry, release_in_order
from api.events.streams import PublishedEvent, entry_id, position_of, stream_key
from api.events.subscriber import LocalSubscriber
from domain.events.errors import CursorExpired, EventsUnavailable
from domain.events.interest import Interest
from domain.events.repository import PublishedSince, numbered_between, published_since

REPLAY_PAGE = 500  # entries per stream per round
READY_TIMEOUT_SECONDS = 5.0


class EventFeed:
    def __init__(
        self,
        hub: EventHub,
        *,
        redis_client: redis.Redis,
        sessions: async_sessionmaker[AsyncSession],
        page_size: int = REPLAY_PAGE,
    ) -> None:
        self.hub = hub
        self.redis = redis_client
        self.sessions = sessions
        self.page_size = page_size

    async def start(self) -> None:
        await self.hub.start()

    async def stop(self) -> None:
        await self.hub.stop()

    async def follow(
        self, interest: Interest, *, after: int | None
    ) -> AsyncIterator[PublishedEvent]:
        """The events `interest` admits, after position `after` (from now on when None)."""
        if not self.hub.ready:
            try:
                async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                    await self.hub.wait_ready()
            except TimeoutError:
                raise EventsUnavailable() from None
        subscriber = self.hub.subscribe(interest)
        try:
            covered = after
            if after is not None:
                cursors = {stream_key(topic): entry_id(after) for topic in interest.topics}
                async for event in self._replay(interest, after, subscriber, cursors):
                    yield event
                covered = max([after, *map(position_of, cursors.values())])
            while True:
                event = await subscriber.next()
                if covered is None or event.position > covered:
                    yield event
        finally:
            self.hub.unsubscribe(subscriber)

    async def _replay(
        self, interest: Interest, after: int, subscriber: LocalSubscriber, cursors: dict[str, str]
    ) -> AsyncIterator[PublishedEvent]:
        async with self.sessions() as session:
            since = await published_since(session, after=after, topics=interest.topics)
        if after > (since.last_position or 0):
            raise CursorExpired(after)
        first_round = True
        while True:
            if subscriber.overflowed:
                self.hub.resubscribe(subscriber)
            batches = await self._read_round(cursors)
            if first_round:
                _check_retained(after, batches, since)
                first_round = False
            await self._check_unbroken(after, batches, cursors)
            for event in release_in_order(batches, cursors, count=self.page_size):
                if interest.admits(event.type, event.audience):
                    yield event
            more = any(len(batch) >= self.page_size for batch in batches.values())
            if not more and not subscriber.overflowed:
                return

    async def _check_unbroken(
        self, after: int, batches: dict[str, list[Entry]], cursors: dict[str, str]
    ) -> None:
        """Each page holds every event the outbox numbered in its span: Redis keeps a tail,
        never a stream with holes, unless it failed over to a replica that lagged."""
        spans = {
            self.hub.streams[stream]: (position_of(cursors[stream]), position_of(batch[-1][0]))
            for stream, batch in batches.items()
            if batch
        }
        if not spans:
            return
        async with self.sessions() as session:
            numbered = await numbered_between(session, spans=spans)
        for stream, batch in batches.items():
            if batch and len(batch) < numbered[self.hub.streams[stream]]:
                raise CursorExpired(after)

    async def _read_round(self, cursors: dict[str, str]) -> dict[str, list[Entry]]:
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                for stream, last in cursors.items():
                    pipe.xrange(stream, f"({last}", "+", count=self.page_size)
                pages: list[Any] = await pipe.execute()
        except redis.RedisError as error:
            raise EventsUnavailable() from error
        return dict(zip(cursors, pages, strict=True))


def _check_retained(after: int, batches: dict[str, list[Entry]], since: PublishedSince) -> None:
    for topic, expected in since.first_by_topic.items():
        batch = batches.get(stream_key(topic), [])
        if not batch or position_of(batch[0][0]) > expected:
            raise CursorExpired(after)
