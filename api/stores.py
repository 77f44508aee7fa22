"""The connections a process holds: one PostgreSQL engine and one Redis client."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as redis
from sqlalchemy import event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from api.database_urls import database_engine
from api.events.outbox_queries import read_backlog
from api.redis_clients import connection_pool, redis_client
from api.redis_health import RedisHealth
from api.settings import Settings

PING_TIMEOUT_SECONDS = 2.0
# A connection back in the pool for longer than this is pinged before it is handed out.
IDLE_BEFORE_PING_SECONDS = 1.0


@dataclass
class Stores:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # Reads that may be a moment behind: a standby's, with DATABASE_READ_URL; else `sessions`.
    lagging_sessions: async_sessionmaker[AsyncSession]
    # For the checks on a request's path: short socket and pool timeouts, and a pool that
    # queues a burst (up to the timeout) instead of failing at once.
    checks_redis: redis.Redis
    redis: redis.Redis
    # Shared by the request-path checks: after a failure, Redis is given a rest from all.
    redis_health: RedisHealth = field(default_factory=RedisHealth)

    async def close(self) -> None:
        await self.checks_redis.aclose()
        await self.redis.aclose()
        await self.engine.dispose()
        lagging = self.lagging_sessions.kw["bind"]
        if lagging is not self.engine:
            await lagging.dispose()

    async def database_ready(self) -> bool:
        try:
            async with asyncio.timeout(PING_TIMEOUT_SECONDS), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def event_backlog(self) -> tuple[int, float] | None:
        """(unpublished events, seconds the oldest has waited), or None if unreadable."""
        try:
            async with asyncio.timeout(PING_TIMEOUT_SECONDS), self.engine.connect() as conn:
                # The relay's own query, on the pooled connection's asyncpg connection.
                raw = await conn.get_raw_connection()
                backlog = await read_backlog(raw.driver_connection)
        except Exception:
            return None
        return backlog.unpublished, backlog.lag_seconds()

    async def redis_ready(self) -> bool:
        try:
            async with asyncio.timeout(PING_TIMEOUT_SECONDS):
                return bool(await self.redis.ping())
        except Exception:
            return False


def ping_when_idle(engine: AsyncEngine) -> None:
    """Pre-ping only connections that sat idle: a database restart is found before a
    request uses a dead connection, while under load (connections back in the pool for
    milliseconds) no request pays the extra round trip that `pool_pre_ping` costs each one."""
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _returned(_: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _ping_if_idle(connection: Any, record: Any, _: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < IDLE_BEFORE_PING_SECONDS:
            return
        try:
            connection.ping()
        except Exception as error:
            raise DisconnectionError("the idle connection is gone") from error  # pool retries


def open_stores(settings: Settings, *, database_url: str, redis_url: str) -> Stores:
    """Pools are lazy: nothing connects until first use, so a process starts with a store down."""
    engine = database_engine(
        database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    ping_when_idle(engine)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    lagging_sessions = sessions
    if settings.database_read_url is not None:
        lagging = database_engine(
            settings.database_read_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        ping_when_idle(lagging)
        lagging_sessions = async_sessionmaker(lagging, class_=AsyncSession, expire_on_commit=False)
    client = redis_client(
        redis_url,
        max_connections=settings.redis_max_connections,
        socket_connect_timeout=PING_TIMEOUT_SECONDS,
        health_check_interval=30,
    )
    timeout = settings.redis_request_timeout_seconds
    checks = redis.Redis.from_pool(  # from_pool: closing the client closes its pool
        connection_pool(
            redis_url,
            blocking=True,
            max_connections=settings.redis_max_connections,
            timeout=timeout,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
        )
    )
    return Stores(
        engine=engine,
        sessions=sessions,
        lagging_sessions=lagging_sessions,
        redis=client,
        checks_redis=checks,
    )
