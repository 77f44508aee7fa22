"""The delivery log's retention: finished deliveries and their attempts go once they are
older than the configured period; pending ones stay, however old, until they finish."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.unit_of_work import transaction

LOG_RETENTION = timedelta(days=30)
BATCH = 500

# Copies point at the first delivery of their message: a first delivery goes only once no
# copy is left (the copies, newer, go first). A delivery being redelivered is locked, and
# skipped. Attempts go with their delivery (foreign keys are checked at the statement's end).
_PRUNE = text(
    """
    WITH doomed AS (
        SELECT d.id FROM webhook_delivery AS d
        WHERE d.status <> 'PENDING' AND d.completed_at < :cutoff
          AND NOT EXISTS (SELECT FROM webhook_delivery AS c WHERE c.redelivery_of = d.id)
        ORDER BY d.completed_at
        LIMIT :batch
        FOR UPDATE SKIP LOCKED
    ), attempts AS (
        DELETE FROM webhook_attempt AS a USING doomed WHERE a.delivery_id = doomed.id
    )
    DELETE FROM webhook_delivery AS d USING doomed WHERE d.id = doomed.id
    """
)


async def prune_delivery_log(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    keep: timedelta = LOG_RETENTION,
    batch: int = BATCH,
) -> int:
    """Delete the deliveries finished more than `keep` ago, with their attempts; how many."""
    cutoff, done = clock.now() - keep, 0
    while True:
        async with transaction(sessions) as session:
            conn = await session.connection()
            result = await conn.execute(_PRUNE, {"cutoff": cutoff, "batch": batch})
        pruned = int(result.rowcount)
        done += pruned
        if pruned == 0:
            return done
