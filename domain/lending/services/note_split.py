"""Dividing a note in two: `part` of what it has outstanding goes to a new holder, the rest
stays with its holder, each as a note of its own (in the note's state, ACTIVE or DEFAULTED,
at the same rate); the note divided is SPLIT, as a note sold is SOLD. No money moves: the two
claims are the one it was, so the loan's repayments (distribution.py shares them by
outstanding principal), a defaulted loan's recoveries (recovery.py, by claim) and an
insurer's late payment still sum to the same. A lending plan's early exit carves its
leaving investor's share of each note so."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.lending.errors import FundingRefused
from domain.lending.states import NoteStatus
from domain.lending.tables import LoanNote, NoteSale

_DIVISIBLE = (NoteStatus.ACTIVE.value, NoteStatus.DEFAULTED.value)


async def split_note(
    session: AsyncSession, *, note: LoanNote, part: int, to_holder: UUID, now: datetime
) -> LoanNote:
    """`note` (locked, ACTIVE or DEFAULTED, not on sale) divided: `part` (0 < part <=
    outstanding) to `to_holder`, the new note returned; the rest, if any, a new note of its
    holder's."""
    outstanding = note.principal - note.principal_received
    if note.status not in _DIVISIBLE or not 0 < part <= outstanding:
        raise FundingRefused(
            "only part of a live or defaulted note's claim can be split off", field="note_id"
        )
    on_sale = await session.exec(
        select(NoteSale.id).where(col(NoteSale.note_id) == note.id, col(NoteSale.status) == "OPEN")
    )
    if on_sale.first() is not None:
        raise FundingRefused("a note on sale cannot be split", field="note_id")
    parts = [(to_holder, part), (note.holder_id, outstanding - part)]
    children = [
        LoanNote(
            loan_id=note.loan_id,
            holder_id=holder,
            funder_kind=note.funder_kind,
            source_id=note.id,
            principal=amount,
            annual_rate=note.annual_rate,
            status=note.status,
            created_at=now,
        )
        for holder, amount in parts
        if amount
    ]
    session.add_all(children)
    note.status = NoteStatus.SPLIT.value
    session.add(note)
    await session.flush()
    return children[0]
