"""The outbox relay: committed events to Redis Streams, promptly and in order.

Every API process (and `agora relay`) runs one; a PostgreSQL advisory lock makes one of them
the leader, so nothing is published twice and positions follow one order. The leader wakes
on the NOTIFY that each outbox insert sends at commit, and polls each second in case one is
missed. With Redis down, mutations go on; the backlog waits in the outbox and goes out when
Redis returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass

import asyncpg
import redis.asyncio as redis
from redis.exceptions import RedisError

from api.database_urls import asyncpg_connect_args
from api.events import outbox_queries as queries
from api.events.publisher import publish
from api.metrics import Metrics

logger = logging.getLogger("agora.relay")

LEADER_LOCK = 0x61676F7261  # "agora": one relay leader per database
CHANNEL = "agora_outbox"


@dataclass(frozen=True)
class RelaySettings:
    batch_size: int = 500
    poll_seconds: float = 1.0
    stream_maxlen: int = 100_000
    max_backoff_seconds: float = 2.0
    # A frozen Redis (SIGSTOP: connections open, no answers) must not wedge the leader: a batch
    # unanswered by then is given up, its connection dropped, and published again (an entry
    # already there is skipped, api/events/publisher.py).
    publish_timeout_seconds: float = 5.0


class OutboxRelay:
    def __init__(
        self,
        *,
        database_url: str,
        redis_client: redis.Redis,
        metrics: Metrics,
        settings: RelaySettings | None = None,
    ) -> None:
        self._connect_args = asyncpg_connect_args(database_url)
        self._redis = redis_client
        self._metrics = metrics
        self._settings = settings or RelaySettings()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._recovering = True  # a previous leader may have left numbered rows behind

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        """Lead (or wait to lead) until stopped; reconnect after PostgreSQL errors."""
        backoff = 0.1
        while not self._stop.is_set():
            try:
                await self._lead()
                backoff = 0.1
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                logger.warning("relay lost PostgreSQL: %s", error)
                self._metrics.relay_leader.set(0)
                await self._sleep(backoff)
                backoff = min(backoff * 2, self._settings.max_backoff_seconds)

    async def _lead(self) -> None:
        conn = await asyncpg.connect(**self._connect_args)
        try:
            await conn.set_type_codec(
                "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
            )
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK):
                await self._observe_backlog(conn)
                if await self._sleep(self._settings.poll_seconds * 5):
                    return
            self._metrics.relay_leader.set(1)
            self._recovering = True
            await conn.add_listener(CHANNEL, lambda *_: self._wake.set())
            await self._publish_until_stopped(conn)
        finally:
            self._metrics.relay_leader.set(0)
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)  # closing releases the leader lock

    async def _publish_until_stopped(self, conn: asyncpg.Connection) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            self._wake.clear()
            try:
                published = await self.publish_pending(conn)
                backoff = 0.1
            except (RedisError, OSError) as error:  # OSError: TimeoutError too
                logger.warning("relay cannot reach Redis, events wait in the outbox: %s", error)
                self._recovering = True
                await self._observe_backlog(conn)
                await self._sleep(backoff)
                backoff = min(backoff * 2, self._settings.max_backoff_seconds)
                continue
            await self._observe_backlog(conn)
            if published < self._settings.batch_size:
                await self._wait_for_events()

    async def publish_pending(self, conn: asyncpg.Connection) -> int:
        """Publish one batch: left-over numbered rows first, then the next unnumbered ones."""
        batch = self._settings.batch_size
        rows = []
        if self._recovering:
            rows = await queries.positioned_but_unpublished(conn, batch)
            self._recovering = bool(rows)
        if not rows:
            rows = await queries.number_next_batch(conn, batch)
        if not rows:
            return 0
        async with asyncio.timeout(self._settings.publish_timeout_seconds):
            await publish(self._redis, rows, maxlen=self._settings.stream_maxlen)
        await queries.mark_published(conn, [row["id"] for row in rows])
        self._metrics.events_published.inc(len(rows))
        return len(rows)

    async def _observe_backlog(self, conn: asyncpg.Connection) -> None:
        backlog = await queries.read_backlog(conn)
        self._metrics.outbox_unpublished.set(backlog.unpublished)
        self._metrics.outbox_lag.set(backlog.lag_seconds())

    async def _wait_for_events(self) -> None:
        waiters = [
            asyncio.ensure_future(self._wake.wait()),
            asyncio.ensure_future(self._stop.wait()),
        ]
        try:
            await asyncio.wait(
                waiters, timeout=self._settings.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _sleep(self, seconds: float) -> bool:
        """Sleep, or wake early when stopped; True if stopped."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
        return self._stop.is_set()
