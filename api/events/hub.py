"""The event hub: one process reads every topic stream once and fans out in memory.

One task on one dedicated Redis connection runs a single XREAD BLOCK over all topic streams
(which only wakes it; an unblocked XREAD then reads every stream at one instant), starting
at their ends when the process starts (what a new subscriber without a cursor
wants: from now on). Each event goes to the local subscribers whose interest admits it,
found through an index by participant (plus the operators, who see all), so delivery costs
what the event's audience costs, not what the number of subscribers costs. If Redis drops,
the reader reconnects with exponential backoff and resumes from the last ids it read: within
the streams' retention nothing is lost.

Unless the server it reconnects to is another one (Sentinel promoted the replica) or the same
one restarted: replication is asynchronous, so entries the hub had not read yet may be gone,
and reading on would skip them silently. Then every local subscription ends with
EVENTS_UNAVAILABLE; a client resumes with its cursor, and the replay (api/events/feed.py)
checks it against PostgreSQL's record: it gets what it missed, or CURSOR_EXPIRED.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import redis.asyncio as redis

from api.events.ordering import release_in_order
from api.events.streams import PublishedEvent, stream_key
from api.events.subscriber import LocalSubscriber
from api.redis_clients import redis_client
from domain.events.catalog import TOPICS
from domain.events.interest import Interest

logger = logging.getLogger("agora.events")

READ_COUNT = 500  # entries per stream per read
BLOCK_MS = 5_000
BACKOFF_FIRST_SECONDS = 0.1
BACKOFF_MAX_SECONDS = 5.0


class EventHub:
    def __init__(
        self,
        redis_url: str,
        *,
        buffer_limit: int,
        topics: Sequence[str] = TOPICS,
        block_ms: int = BLOCK_MS,
    ) -> None:
        self.redis_url = redis_url
        self.buffer_limit = buffer_limit
        self.block_ms = block_ms
        self.streams = {stream_key(topic): topic for topic in topics}
        self.last_ids: dict[str, str] | None = None  # stream -> last id read; set at start
        self.connected = False
        # Buffers that overflowed since start: a live subscriber is then cut off with
        # SLOW_CONSUMER; one still replaying is taken back and re-reads from Redis.
        self.overflows = 0
        self.delivered = 0  # events offered to subscribers, since start
        self._everyone: set[LocalSubscriber] = set()  # operators
        self._by_participant: defaultdict[UUID, set[LocalSubscriber]] = defaultdict(set)
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._client: redis.Redis | None = None
        self.server_id: str | None = None  # the run_id of the Redis server read last
        self.servers_changed = 0  # since start: each ended every local subscription

    # -- subscribers ---------------------------------------------------------------------
    def subscribe(self, interest: Interest) -> LocalSubscriber:
        subscriber = LocalSubscriber(interest, limit=self.buffer_limit)
        self._bucket(interest).add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: LocalSubscriber) -> None:
        bucket = self._bucket(subscriber.interest)
        bucket.discard(subscriber)
        if not bucket and subscriber.interest.participant_id is not None:
            del self._by_participant[subscriber.interest.participant_id]

    def resubscribe(self, subscriber: LocalSubscriber) -> None:
        """Take an overflowed subscriber back with an empty buffer (see EventFeed's replay)."""
        subscriber.reset()
        self._bucket(subscriber.interest).add(subscriber)

    @property
    def subscriber_count(self) -> int:
        return len(self._everyone) + sum(map(len, self._by_participant.values()))

    def _bucket(self, interest: Interest) -> set[LocalSubscriber]:
        if interest.participant_id is None:
            return self._everyone
        return self._by_participant[interest.participant_id]

    def deliver(self, events: Sequence[PublishedEvent]) -> None:
        """Offer each event to the subscribers it concerns; never waits (see LocalSubscriber)."""
        overflowed: list[LocalSubscriber] = []
        for event in events:
            concerned = [p for p in event.audience if p in self._by_participant]
            buckets = [self._everyone, *(self._by_participant[p] for p in concerned)]
            for bucket in buckets:
                for subscriber in bucket:
                    if event.type in subscriber.interest.types and not subscriber.overflowed:
                        self.delivered += 1
                        if not subscriber.offer(event):
                            overflowed.append(subscriber)
        for subscriber in overflowed:
            self.overflows += 1
            self.unsubscribe(subscriber)

    # -- the reader ----------------------------------------------------------------------
    def _connect(self) -> redis.Redis:
        return redis_client(
            self.redis_url,
            single_connection_client=True,  # the one connection of this process's XREAD
            socket_connect_timeout=2,
            socket_timeout=self.block_ms / 1000 + 5,
        )

    async def _reconnect(self) -> redis.Redis:
        """A new client after a failure: a single-connection client reconnects to the address
        it had, where Sentinel's new master is elsewhere (a new client asks the sentinels)."""
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.aclose()
        self._client = self._connect()
        return self._client

    async def start(self) -> None:
        self._client = self._connect()
        self._task = asyncio.create_task(self._read_forever(), name="agora-event-hub")

    @property
    def ready(self) -> bool:
        """True once the reader knows where the streams end (it has been live once)."""
        return self._ready.is_set()

    async def wait_ready(self) -> None:
        await self._ready.wait()

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task], timeout=0.5)
        if self._client is not None:
            await self._client.aclose()  # ends a blocking read that kept the cancellation
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        for subscriber in self._all_subscribers():
            subscriber.close()

    async def _read_forever(self) -> None:
        client = self._client
        assert client is not None
        delay = BACKOFF_FIRST_SECONDS
        while not self._stopping:
            try:
                await self._same_server_or_restart(client)
                if self.last_ids is None:
                    self.last_ids = await self._stream_ends(client)
                    self._ready.set()
                self.connected = True
                # redis-py can swallow a cancellation that lands in a blocking read (the read
                # returns empty): the flag ends the loop within one BLOCK.
                while not self._stopping:
                    woken = await client.xread(
                        dict[Any, Any](self.last_ids), count=1, block=self.block_ms
                    )
                    delay = BACKOFF_FIRST_SECONDS
                    if woken:
                        await self._read_all(client)
            except Exception as error:
                if self._stopping:
                    return
                if isinstance(error, redis.ConnectionError | redis.TimeoutError | OSError):
                    logger.warning("event hub lost Redis (%s); retrying in %.1fs", error, delay)
                else:
                    logger.exception("event hub read failed; retrying in %.1fs", delay)
            self.connected = False
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))  # noqa: S311 (jitter)
            delay = min(delay * 2, BACKOFF_MAX_SECONDS)
            if not self._stopping:
                client = await self._reconnect()

    async def _same_server_or_restart(self, client: redis.Redis) -> None:
        """End every local subscription when the server is not the one read before."""
        server: Any = await client.info("server")
        server_id = str(server["run_id"])
        if self.server_id is not None and server_id != self.server_id:
            logger.warning(
                "event hub reads another Redis server (a failover or a restart): "
                "subscriptions end with EVENTS_UNAVAILABLE and resume from their cursors"
            )
            self.servers_changed += 1
            for subscriber in self._all_subscribers():
                subscriber.close()
                self.unsubscribe(subscriber)
        self.server_id = server_id

    def _all_subscribers(self) -> list[LocalSubscriber]:
        return [*self._everyone, *(s for b in self._by_participant.values() for s in b)]

    async def _stream_ends(self, client: redis.Redis) -> dict[str, str]:
        """Each stream's last id ("0-0" for a stream not yet written): reading starts after."""
        ends = {}
        for stream in self.streams:
            last: Any = await client.xrevrange(stream, "+", "-", count=1)
            ends[stream] = last[0][0].decode() if last else "0-0"
        return ends

    async def _read_all(self, client: redis.Redis) -> None:
        """Read every stream at one instant until none has more. A blocked XREAD answers
        with the one stream that woke it, so it only wakes us: this unblocked XREAD is what
        sees all streams at once, as release_in_order needs."""
        assert self.last_ids is not None
        full = True
        while full and not self._stopping:
            reply: Any = await client.xread(dict[Any, Any](self.last_ids), count=READ_COUNT)
            batches = {key.decode(): entries for key, entries in reply or ()}
            self.deliver(release_in_order(batches, self.last_ids, count=READ_COUNT))
            full = any(len(entries) >= READ_COUNT for entries in batches.values())
