"""The worker's jobs inside `agora serve`, for the embedded default: one command, whole platform.

Every API process may run it; a PostgreSQL advisory lock (held on a connection of its own,
as the relay's is) makes one of them the leader, so `--workers 4` runs the jobs once, not
four times. Should the leader's connection go, its loops stop and whoever takes the lock next
runs them (the jobs are safe to overlap meanwhile: each claims its work FOR UPDATE SKIP
LOCKED). In production the worker is its own process (`agora worker`), scaled apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from api.background import in_background
from api.events.relay import asyncpg_dsn
from api.metrics import Metrics
from api.settings import Settings
from api.worker import STOP_GRACE_SECONDS, run_job_loops, worker_context
from domain.clock import Clock

logger = logging.getLogger("agora.worker")

LEADER_LOCK = 0x61676F7277  # "agorw": one in-process worker leader per database
RETRY_SECONDS = 5.0  # how often a follower asks for the lock, and the leader checks it holds it


class InProcessWorker:
    def __init__(
        self,
        *,
        settings: Settings,
        database_url: str,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        metrics: Metrics,
        cadence: float = 1.0,
    ) -> None:
        self._settings = settings
        self._dsn = asyncpg_dsn(database_url)
        self._sessions = sessions
        self._clock = clock
        self._metrics = metrics
        self._cadence = cadence  # a job's period is multiplied by it (tests shorten them)
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        """Lead (or wait to lead) until stopped; a lost connection gives the lead up."""
        while not self._stop.is_set():
            try:
                await self._lead()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                logger.warning("in-process worker lost PostgreSQL: %s", error)
            finally:
                self._metrics.worker_leader.set(0)
            await self._sleep(RETRY_SECONDS)

    async def _lead(self) -> None:
        conn = await asyncpg.connect(self._dsn)
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK):
                if await self._sleep(RETRY_SECONDS):
                    return
            self._metrics.worker_leader.set(1)
            logger.info("in-process worker leads: running the jobs")
            lead_over = asyncio.Event()
            async with worker_context(self._settings, self._sessions, self._clock) as context:
                loops = asyncio.create_task(
                    run_job_loops(context, lead_over, cadence=self._cadence)
                )
                try:
                    await self._hold_lead(conn)
                finally:
                    lead_over.set()
                    await loops
        finally:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)  # closing releases the leader lock

    async def _hold_lead(self, conn: asyncpg.Connection) -> None:
        """Until stopped, or until the connection that holds the lock stops answering."""
        while not await self._sleep(RETRY_SECONDS):
            await asyncio.wait_for(conn.fetchval("SELECT 1"), timeout=RETRY_SECONDS)

    async def _sleep(self, seconds: float) -> bool:
        """Sleep, or wake early when stopped; True if stopped."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
        return self._stop.is_set()


def running_worker(worker: InProcessWorker) -> contextlib.AbstractAsyncContextManager[None]:
    """The worker runs in the background for the life of the block."""
    grace = STOP_GRACE_SECONDS + RETRY_SECONDS
    return in_background("in-process-worker", worker.run, worker.stop, grace_seconds=grace)
