"""Splitting a note: the part goes to a new holder and the rest stays, as two ACTIVE notes of
the same rate, the note divided SPLIT; the next repayment pays the two what the one would
have had, to the unit; a part beyond what is outstanding, or of a note on sale, is refused
with nothing changed."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock
from domain.lending.errors import FundingRefused
from domain.lending.services.note_split import split_note
from domain.lending.services.repay_loan import repay_loan
from domain.lending.services.secondary_market import list_note_for_sale
from domain.lending.tables import LoanInstallment, LoanNote
from domain.money import Money
from domain.participants.roles import Role
from support.lending_life import disbursed_loan
from support.lending_world import participant

Sessions = async_sessionmaker[AsyncSession]


async def _notes(sessions: Sessions, loan_id: object) -> list[LoanNote]:
    async with sessions() as session:
        found = await session.exec(
            select(LoanNote).where(col(LoanNote.loan_id) == loan_id).order_by(col(LoanNote.id))
        )
        return list(found.all())


async def test_a_split_note_pays_its_parts_what_it_would_have_had(
    sessions: Sessions, clock: FixedClock
) -> None:
    # Given: two equal loans, each funded 6,000.00 / 4,000.00
    split_loan, borrower, [holder, _] = await disbursed_loan(sessions, clock)
    whole_loan, other_borrower, _ = await disbursed_loan(sessions, clock)
    newcomer = await participant(sessions, clock, {Role.INVESTOR})
    assert newcomer.participant_id
    assert holder.participant_id

    # When: one loan's 6,000.00 note is split, 2,000.01 to the newcomer
    async with sessions() as session:
        [note] = [
            n
            for n in (
                await session.exec(select(LoanNote).where(col(LoanNote.loan_id) == split_loan.id))
            )
            if n.holder_id == holder.participant_id
        ]
        locked = await session.get(LoanNote, note.id, with_for_update=True)
        assert locked is not None
        with pytest.raises(FundingRefused):
            await split_note(
                session,
                note=locked,
                part=600_001,
                to_holder=newcomer.participant_id,
                now=clock.now(),
            )
        part = await split_note(
            session, note=locked, part=200_001, to_holder=newcomer.participant_id, now=clock.now()
        )
        await session.commit()
    notes = {n.id: n for n in await _notes(sessions, split_loan.id)}
    assert notes[note.id].status == "SPLIT"
    rest = next(n for n in notes.values() if n.source_id == note.id and n.id != part.id)
    assert (part.principal, part.holder_id, part.status) == (
        200_001,
        newcomer.participant_id,
        "ACTIVE",
    )
    assert (rest.principal, rest.holder_id, rest.annual_rate) == (
        399_999,
        holder.participant_id,
        note.annual_rate,
    )

    # Then: both loans' first installments paid, the parts get what the whole note got
    for loan, who in ((split_loan, borrower), (whole_loan, other_borrower)):
        async with sessions() as session:
            first = (
                await session.exec(
                    select(LoanInstallment).where(
                        col(LoanInstallment.loan_id) == loan.id, col(LoanInstallment.number) == 1
                    )
                )
            ).one()
        clock.set(datetime.combine(first.due_date, time(12), tzinfo=clock.now().tzinfo))
        async with sessions() as session:
            await repay_loan(
                session=session, clock=clock, actor=who, loan_id=loan.id,
                amount=Money(first.principal_due + first.interest_due, "CNY"),
                idempotency_key=f"r-{loan.id}",
            )  # fmt: skip
            await session.commit()
    parts = [n for n in await _notes(sessions, split_loan.id) if n.source_id == note.id]
    [whole] = [n for n in await _notes(sessions, whole_loan.id) if n.principal == 600_000]
    assert sum(n.principal_received for n in parts) == whole.principal_received
    assert sum(n.interest_received for n in parts) == whole.interest_received


async def test_a_note_on_sale_is_not_split(sessions: Sessions, clock: FixedClock) -> None:
    _, _, [holder, _] = await disbursed_loan(sessions, clock)
    newcomer = await participant(sessions, clock, {Role.INVESTOR})
    assert newcomer.participant_id
    assert holder.participant_id
    async with sessions() as session:
        [note] = (
            await session.exec(
                select(LoanNote).where(col(LoanNote.holder_id) == holder.participant_id)
            )
        ).all()
        await list_note_for_sale(
            session=session, clock=clock, actor=holder, note_id=note.id, price=Money(600_000, "CNY")
        )
        await session.commit()
    async with sessions() as session:
        locked = await session.get(LoanNote, note.id, with_for_update=True)
        assert locked is not None
        with pytest.raises(FundingRefused, match="on sale"):
            await split_note(
                session, note=locked, part=1_00, to_holder=newcomer.participant_id, now=clock.now()
            )
    [after] = [n for n in await _notes(sessions, note.loan_id) if n.id == note.id]
    assert after.status == "ACTIVE"
