"""The operator's figures: volume per day by business line and the book's quality by grade,
each read back from what the use cases posted."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, Forbidden
from domain.clock import FixedClock
from domain.errors import InvalidInput
from domain.ledger.services.figures import daily_volume
from domain.lending.services.age_installments import age_overdue_installments
from domain.lending.services.portfolio import book_by_grade
from domain.lending.tables import LoanInstallment
from domain.participants.roles import Role
from domain.revenue.business_lines import BusinessLine
from support.lending_life import disbursed_loan
from support.lending_world import participant

Sessions = async_sessionmaker[AsyncSession]
OPERATOR = Actor.system()


async def test_a_disbursed_loan_is_lending_volume_on_its_day_and_nothing_before(
    sessions: Sessions, clock: FixedClock
) -> None:
    first_day = clock.now().date()
    loan, _, _ = await disbursed_loan(sessions, clock, principal=1_000_000)
    clock.advance(timedelta(days=2))
    second, _, _ = await disbursed_loan(sessions, clock, principal=500_000, shares=(500_000,))

    async with sessions() as session:
        volume = await daily_volume(session, actor=OPERATOR, clock=clock, currency="CNY", days=3)
        only_today = await daily_volume(
            session, actor=OPERATOR, clock=clock, currency="CNY", days=1
        )

    lending = [v for v in volume if v.line is BusinessLine.LENDING]
    assert [(v.day, v.postings) for v in lending] == [
        (first_day, 1),
        (clock.now().date(), 1),
    ]
    assert lending[0].amount == loan.principal - loan.upfront_fee
    assert [v.amount for v in only_today if v.line is BusinessLine.LENDING] == [
        second.principal - second.upfront_fee
    ]


async def test_book_by_grade_shows_what_is_owed_and_what_is_late(
    sessions: Sessions, clock: FixedClock
) -> None:
    loan, _, _ = await disbursed_loan(sessions, clock, principal=1_000_000)
    async with sessions() as session:
        first = (
            await session.exec(
                select(LoanInstallment)
                .where(col(LoanInstallment.loan_id) == loan.id)
                .order_by(col(LoanInstallment.number))
            )
        ).first()
    assert first is not None
    clock.set(datetime.combine(first.due_date, time(12), tzinfo=clock.now().tzinfo))
    clock.advance(timedelta(days=5))
    await age_overdue_installments(sessions, clock)

    async with sessions() as session:
        [grade] = await book_by_grade(session, actor=OPERATOR, currency="CNY")

    assert grade.grade == loan.grade
    assert grade.loans == 1
    assert grade.late_loans == 1
    assert grade.outstanding_principal == loan.principal
    assert grade.overdue_principal == first.principal_due


async def test_only_operators_read_the_figures_and_a_window_has_bounds(
    sessions: Sessions, clock: FixedClock
) -> None:
    investor = await participant(sessions, clock, {Role.INVESTOR})
    async with sessions() as session:
        with pytest.raises(Forbidden):
            await book_by_grade(session, actor=investor, currency="CNY")
        with pytest.raises(Forbidden):
            await daily_volume(session, actor=investor, clock=clock, currency="CNY", days=3)
        with pytest.raises(InvalidInput):
            await daily_volume(session, actor=OPERATOR, clock=clock, currency="CNY", days=0)
