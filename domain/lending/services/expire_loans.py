"""Loans not funded by their deadline: every hold released, offers' commitments returned,
the loan EXPIRED. One loan per transaction, claimed with SKIP LOCKED, so several workers
share the work and none waits on a loan an investor is buying into right now."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.lending.services.note_holds import resolve_held_notes
from domain.lending.states import LoanEvent, LoanState, transition
from domain.lending.tables import BankFundingOffer, Loan
from domain.unit_of_work import transaction

OFFERS = BankFundingOffer.__table__  # type: ignore[attr-defined]

CLAIM_EXPIRED_LOAN = text(
    """
    SELECT id FROM loan
    WHERE state = 'LISTED' AND funding_deadline <= :now
    ORDER BY funding_deadline
    LIMIT 1
    FOR UPDATE SKIP LOCKED
    """
)


async def expire_one_loan(session: AsyncSession, clock: Clock) -> UUID | None:
    """Expire the oldest overdue listing no other worker holds; its id, or None."""
    now = clock.now()
    conn = await session.connection()
    loan_id: UUID | None = (await conn.execute(CLAIM_EXPIRED_LOAN, {"now": now})).scalar()
    if loan_id is None:
        return None
    loan = await session.get(Loan, loan_id)
    assert loan is not None
    notes = await resolve_held_notes(session, loan_id=loan_id, now=now, capture=False)
    # Offers are locked in id order, as matching locks them.
    for note in sorted(notes, key=lambda n: str(n.source_id)):
        if note.funder_kind == "BANK" and note.source_id is not None:
            await (await session.connection()).execute(
                update(OFFERS)
                .where(OFFERS.c.id == note.source_id)
                .values(committed=OFFERS.c.committed - note.principal)
            )
    loan.state = transition(LoanState(loan.state), LoanEvent.DEADLINE_PASSED).value
    loan.ended_at = now
    loan.version += 1
    await session.flush()
    return loan_id


async def expire_unfunded_loans(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, limit: int = 200
) -> int:
    """Expire up to `limit` overdue listings, one transaction each; how many."""
    expired = 0
    for _ in range(limit):
        async with transaction(sessions) as session:
            if await expire_one_loan(session, clock) is None:
                break
            expired += 1
    return expired
