"""Build this process's index of open sources (domain/lending/services/open_sources.py) as
the app starts, so its first listing does not pay for reading every open offer and rule
(~2–3 s of CPU for 100,000 of them on our 2-core machines: bench/README.md).

In the background: the app serves meanwhile (a database out of reach must not hold its
start for the connect timeout), and a listing that comes before the index is built builds
it as without this."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.lending.services.open_sources import build_index

logger = logging.getLogger("agora.app")


async def index_open_sources(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
    """Build the index now and log what it took; a failure is logged, not raised (the first
    listing builds it then)."""
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        async with sessions() as session:
            sources = await build_index(session, clock.now())
    except Exception:  # a store not ready or not migrated must not stop the app
        logger.warning("open sources not indexed at start: the first listing will", exc_info=True)
        return
    logger.info(
        "open sources indexed",
        extra={
            "sources": sources,
            "wall_ms": round((time.perf_counter() - wall) * 1000),
            # The process's, so work it did meanwhile counts too.
            "cpu_ms": round((time.process_time() - cpu) * 1000),
        },
    )


@contextlib.asynccontextmanager
async def indexing_open_sources(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> AsyncIterator[None]:
    """The index built in the background while the app runs; stopped if it stops first."""
    task = asyncio.create_task(index_open_sources(sessions, clock), name="index open sources")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
