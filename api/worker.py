"""`agora worker`: runs the platform's background jobs on a schedule, until told to stop.

Several workers may run at once: every job claims its work with FOR UPDATE SKIP LOCKED and
is idempotent, so nothing is done twice. Later issues add jobs to JOBS.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock, SystemClock
from domain.ledger.services.expiry import expire_due_holds

logger = logging.getLogger("agora.worker")

Job = Callable[[async_sessionmaker[AsyncSession], Clock], Awaitable[int]]


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    run: Job
    every_seconds: float


JOBS = (ScheduledJob("hold-expiry", expire_due_holds, every_seconds=5.0),)


async def run_jobs_once(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> dict[str, int]:
    """Every job once; what each did."""
    done = {}
    for job in JOBS:
        done[job.name] = await job.run(sessions, clock)
        if done[job.name]:
            logger.info("job done", extra={"job": job.name, "items": done[job.name]})
    return done


async def run_worker(database_url: str, *, once: bool = False, clock: Clock | None = None) -> None:
    """Run the jobs (once, or every few seconds until SIGTERM/SIGINT)."""
    clock = clock or SystemClock()
    engine = create_async_engine(database_url, pool_size=4, max_overflow=0)
    sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        while True:
            await run_jobs_once(sessions, clock)
            if once:
                return
            interval = min(job.every_seconds for job in JOBS)
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
                logger.info("worker stopping")
                return
            except TimeoutError:
                continue
    finally:
        await engine.dispose()
