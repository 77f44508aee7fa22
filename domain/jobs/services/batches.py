"""Scheduled work over many rows: batch after batch, each in its own transaction."""

from __future__ import annotations

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
