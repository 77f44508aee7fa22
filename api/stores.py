"""The connections a process holds: one PostgreSQL engine and one Redis client."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import redis.asyncio as redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from api.settings import Settings

PING_TIMEOUT_SECONDS = 2.0
BACKLOG_QUERY = (
    "SELECT count(*) AS unpublished,"
    " coalesce(extract(epoch FROM now() - min(occurred_at)), 0) AS lag_seconds"
    " FROM outbox_event WHERE published_at IS NULL"
)


@dataclass
class Stores:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: redis.Redis

    async def close(self) -> None:
        await self.redis.aclose()
        await self.engine.dispose()

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
                row = (await conn.execute(text(BACKLOG_QUERY))).one()
        except Exception:
            return None
        return int(row.unpublished), float(row.lag_seconds)

    async def redis_ready(self) -> bool:
        try:
            async with asyncio.timeout(PING_TIMEOUT_SECONDS):
                return bool(await self.redis.ping())
        except Exception:
            return False


def open_stores(settings: Settings, *, database_url: str, redis_url: str) -> Stores:
    """Pools are lazy: nothing connects until first use, so a process starts with a store down."""
    engine = create_async_engine(
        database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
    )
    client = redis.Redis.from_url(
        redis_url,
        max_connections=settings.redis_max_connections,
        socket_connect_timeout=PING_TIMEOUT_SECONDS,
        health_check_interval=30,
    )
    return Stores(
        engine=engine,
        sessions=async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False),
        redis=client,
    )
