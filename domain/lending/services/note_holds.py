"""The holds behind a loan's notes, resolved together: captured on funding, or released."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.services.holds import post_holds, void_hold
from domain.lending.states import NoteStatus
from domain.lending.tables import LoanNote


async def resolve_held_notes(
    session: AsyncSession, *, loan_id: UUID, now: datetime, capture: bool
) -> list[LoanNote]:
    """Capture (full funding: notes ACTIVE) or release (expiry: RELEASED) every held note."""
    notes = (
        await session.exec(
            select(LoanNote)
            .where(col(LoanNote.loan_id) == loan_id, col(LoanNote.status) == NoteStatus.HELD.value)
            .order_by(col(LoanNote.created_at), col(LoanNote.id))
        )
    ).all()
    holds = []
    for note in notes:
        assert note.hold_id is not None
        holds.append(note.hold_id)
    if capture:  # all at once: this runs while the funding offers' rows are locked
        await post_holds(session, hold_ids=holds, now=now)
    else:
        for hold_id in holds:
            await void_hold(session, hold_id=hold_id, now=now)
    for note in notes:
        note.status = (NoteStatus.ACTIVE if capture else NoteStatus.RELEASED).value
    return list(notes)
