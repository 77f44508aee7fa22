"""Voiding holds whose time ran out: any number of workers, each hold voided once.

Each hold is claimed with FOR UPDATE SKIP LOCKED, so two workers never wait on (or void)
the same one, and voided in a transaction of its own, so account locks stay short and a
failure leaves the other holds to the next round.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.ledger.errors import HoldNotPending
from domain.ledger.services.holds import void_hold
from domain.unit_of_work import transaction

CLAIM_DUE_HOLD = text(
    """
    SELECT t.id FROM ledger_transfer t
    WHERE t.kind = 'PENDING' AND t.expires_at <= :now
      AND NOT EXISTS (SELECT 1 FROM ledger_transfer r WHERE r.pending_id = t.id)
    ORDER BY t.expires_at
    LIMIT 1
    FOR UPDATE OF t SKIP LOCKED
    """
)


async def expire_one_hold(session: AsyncSession, clock: Clock) -> UUID | None:
    """Void the oldest due hold no other worker holds; its id, or None if none is due."""
    now = clock.now()
    conn = await session.connection()
    hold_id: UUID | None = (await conn.execute(CLAIM_DUE_HOLD, {"now": now})).scalar()
    if hold_id is None:
        return None
    try:
        await void_hold(session, hold_id=hold_id, now=now, expired=True)
    except HoldNotPending:  # resolved between our claim and our lock: nothing to do
        return None
    return hold_id


async def expire_due_holds(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, limit: int = 500
) -> int:
    """Void up to `limit` due holds, one transaction each; how many were voided."""
    voided = 0
    for _ in range(limit):
        async with transaction(sessions) as session:
            if await expire_one_hold(session, clock) is None:
                break
            voided += 1
    return voided
