"""The worker's housekeeping: idempotency records past their expiry are deleted in batches."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.unit_of_work import transaction

PRUNE_BATCH = 1000

# Expired records are only ever taken again as new claims, so the worker deletes them and the
# table holds about a day of keys. Rows a claim holds (an expired key being taken again) are
# skipped, and SKIP LOCKED rechecks expiry on the newest row version: a key just taken again
# is never deleted (a claim that loses its record to us claims the key anew).
_PRUNE = text(
    """
    DELETE FROM idempotency_record WHERE id IN (
        SELECT id FROM idempotency_record
        WHERE expires_at <= :now
        ORDER BY expires_at
        LIMIT :batch
        FOR UPDATE SKIP LOCKED)
    """
)


async def prune_expired_keys(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, batch: int = PRUNE_BATCH
) -> int:
    """Delete every record expired by now; how many went."""
    done = 0
    while True:
        async with transaction(sessions) as session:
            conn = await session.connection()
            result = await conn.execute(_PRUNE, {"now": clock.now(), "batch": batch})
        pruned = int(result.rowcount)
        done += pruned
        if pruned < batch:
            return done
