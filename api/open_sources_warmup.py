"""Build this process's index of open sources (domain/lending/services/open_sources.py) as
the app starts, so its first listing does not pay for reading every open offer and rule
(~2–3 s of CPU for 100,000 of them on our 2-core machines: bench/README.md)."""

from __future__ import annotations

import logging
import time

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.lending.services.open_sources import build_index

logger = logging.getLogger("agora.app")


async def index_open_sources(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
    """Build the index now and log what it took; a failure is logged, not raised (the first
    listing builds it then, as without this)."""
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        async with sessions() as session:
            sources = await build_index(session, clock.now())
    except Exception:  # a store not ready or not migrated must not stop the app starting
        logger.warning("open sources not indexed at start: the first listing will", exc_info=True)
        return
    logger.info(
        "open sources indexed",
        extra={
            "sources": sources,
            "wall_ms": round((time.perf_counter() - wall) * 1000),
            "cpu_ms": round((time.process_time() - cpu) * 1000),
        },
    )
