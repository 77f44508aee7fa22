"""The outbox relay: committed events to Redis Streams, promptly and in order.

Every API process (and `agora relay`) runs one; a PostgreSQL advisory lock makes one of them
the leader, so nothing is published twice and positions follow one order. The leader wakes
on the NOTIFY that each outbox insert sends at commit, and polls each second in case one is
missed (a NOTIFY lost with a failed-over primary included). With Redis down, mutations go on;
the backlog waits in the outbox and goes out when Redis returns.

Its PostgreSQL connection is trusted for nothing after a failure: every step on it is bounded
(`database_timeout_seconds`), and any error or timeout terminates it (an asyncpg connection
whose operation was cancelled or timed out still has it in progress, and one on a dead
primary may never answer) before the relay connects again with backoff and resumes from the
outbox. A failover, a killed backend or a lock held past the timeout costs a reconnect
(`agora_outbox_relay_reconnects`, a warning), never the relay.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

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
APPLICATION_NAME = "agora relay"  # its sessions in pg_stat_activity

T = TypeVar("T")


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
    # Each step on PostgreSQL (one statement, or numbering's short transaction) unanswered by
    # then costs the connection: a primary gone silent, a statement waiting on a lock. The
    # server gives the statement up at the same age (statement_timeout), so an abandoned
    # session does not keep the leader lock.
    database_timeout_seconds: float = 5.0


class RedisUnavailable(Exception):
    """Publishing failed on Redis's side: the PostgreSQL connection is still good."""


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
        self._backoff = 0.1

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        """Lead (or wait to lead) until stopped; after any failure on PostgreSQL, discard the
        connection and connect again with backoff."""
        while not self._stop.is_set():
            try:
                await self._lead()
            except Exception as error:  # nothing may end the relay but stop()
                self._metrics.relay_leader.set(0)
                self._metrics.relay_reconnects.inc()
                logger.warning(
                    "relay lost its PostgreSQL connection (%s: %s): connecting again in %.1f s",
                    type(error).__name__,
                    error,
                    self._backoff,
                    exc_info=not isinstance(error, _EXPECTED),
                )
                await self._sleep(self._backoff)
                self._backoff = min(self._backoff * 2, self._settings.max_backoff_seconds)

    async def _lead(self) -> None:
        conn = await asyncpg.connect(
            **{**self._connect_args, "command_timeout": self._settings.database_timeout_seconds}
        )
        stopped = False
        try:
            await self._bounded(self._prepare(conn))
            while not await self._bounded(
                conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK)
            ):
                await self._observe_backlog(conn)
                if await self._sleep(self._settings.poll_seconds * 5):
                    stopped = True
                    return
            self._metrics.relay_leader.set(1)
            self._recovering = True
            self._backoff = 0.1
            await self._bounded(conn.add_listener(CHANNEL, lambda *_: self._wake.set()))
            await self._publish_until_stopped(conn)
            stopped = True
        finally:
            self._metrics.relay_leader.set(0)
            if stopped:  # between operations: a clean goodbye releases the leader lock
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)
            else:  # mid-operation (failed, timed out, cancelled): never wait on it again
                conn.terminate()

    async def _prepare(self, conn: asyncpg.Connection) -> None:
        await conn.set_type_codec(
            "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )
        # SET rather than startup parameters, which a pooler in front may refuse. Keepalives
        # let the server see a relay that vanished (and free the leader lock) in seconds.
        await conn.execute(
            "SELECT set_config('statement_timeout', $1, false),"
            " set_config('application_name', $2, false),"
            " set_config('tcp_keepalives_idle', '5', false),"
            " set_config('tcp_keepalives_interval', '2', false),"
            " set_config('tcp_keepalives_count', '3', false)",
            f"{int(self._settings.database_timeout_seconds * 1000)}ms",
            APPLICATION_NAME,
        )

    async def _publish_until_stopped(self, conn: asyncpg.Connection) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            self._wake.clear()
            try:
                published = await self.publish_pending(conn)
                backoff = 0.1
            except RedisUnavailable as error:
                logger.warning("relay cannot reach Redis, events wait in the outbox: %s", error)
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
            rows = await self._bounded(queries.positioned_but_unpublished(conn, batch))
            self._recovering = bool(rows)
        if not rows:
            rows = await self._bounded(queries.number_next_batch(conn, batch))
        if not rows:
            return 0
        try:
            async with asyncio.timeout(self._settings.publish_timeout_seconds):
                await publish(self._redis, rows, maxlen=self._settings.stream_maxlen)
        except (RedisError, OSError) as error:  # OSError: TimeoutError too
            self._recovering = True  # numbered, perhaps partly published: again first
            raise RedisUnavailable(f"{type(error).__name__}: {error}") from error
        await self._bounded(queries.mark_published(conn, [row["id"] for row in rows]))
        self._metrics.events_published.inc(len(rows))
        return len(rows)

    async def _bounded(self, step: Awaitable[T]) -> T:
        """A step on the relay's connection, given up after the timeout. asyncpg bounds each
        statement itself, but not every wait (a rollback after a timeout waits for the
        server to confirm the cancel, which a dead primary never does): this bounds them all."""
        async with asyncio.timeout(self._settings.database_timeout_seconds * 2):
            return await step

    async def _observe_backlog(self, conn: asyncpg.Connection) -> None:
        backlog = await self._bounded(queries.read_backlog(conn))
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


# What a failover, a killed backend or a timeout raises; anything else is logged with its trace.
_EXPECTED = (
    OSError,  # TimeoutError and lost connections
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)
