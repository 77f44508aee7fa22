"""Scheduled work over many rows: batch after batch, each in its own transaction."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from uuid import UUID

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.unit_of_work import transaction

FIRST = UUID(int=0)


async def in_batches(
    sessions: async_sessionmaker[AsyncSession],
    work: Callable[[AsyncSession, UUID], Awaitable[list[UUID]]],
) -> int:
    """Run `work` on the ids above the last batch's (a keyset), committing each batch, until
    it claims nothing; how many ids it claimed in all."""
    done, after = 0, FIRST
    while True:
        async with transaction(sessions) as session:
            claimed = await work(session, after)
        if not claimed:
            return done
        done, after = done + len(claimed), max(claimed)


async def each_claimed(
    sessions: async_sessionmaker[AsyncSession],
    claim: Callable[[AsyncSession, list[UUID]], Awaitable[UUID | None]],
    work: Callable[[AsyncSession, UUID], Awaitable[None]],
    *,
    logger: logging.Logger,
    failure: str,
) -> int:
    """Claim one row (`claim`, skipping the ids given: FOR UPDATE SKIP LOCKED) and `work` it,
    each in its own transaction, until nothing is left to claim; how many were worked. One
    that fails is rolled back, logged as `failure` and left for the next round, so it never
    holds up the others; a claim that fails (the database is away) fails the job."""
    done, failed = 0, list[UUID]()
    while True:
        found: UUID | None = None
        try:
            async with transaction(sessions) as session:
                found = await claim(session, failed)
                if found is None:
                    return done
                await work(session, found)
        except Exception:
            if found is None:
                raise
            logger.exception(failure, extra={"id": str(found)})
            failed.append(found)
            continue
        done += 1
