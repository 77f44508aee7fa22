"""The daily overdue job, set-based in SQL, against the pure rules: a second run the same
day changes nothing, days skipped are caught up with the penalty of each, and a day's
penalty ending in exactly half a minor unit rounds up as `daily_penalty` does."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock
from domain.events.tables import OutboxEvent
from domain.lending.overdue import bucket_for, daily_penalty, penalty_to_date
from domain.lending.services.age_installments import age_overdue_installments
from domain.lending.tables import LoanInstallment
from support.lending_life import disbursed_loan
from support.lending_world import installments_of

Sessions = async_sessionmaker[AsyncSession]
RATE, GRACE = Decimal("0.0005"), 3  # the test product's penalty: 0.05 % a day, 3 days' grace
OVERDUE = 3_000  # 1.5 minor units of penalty a day: a tie, half-up to 2


async def _state(sessions: Sessions, loan_id: object) -> tuple[list[tuple[object, ...]], int]:
    rows = await installments_of(sessions, loan_id)  # type: ignore[arg-type]
    async with sessions() as session:
        events = (await session.exec(select(func.count()).select_from(OutboxEvent))).one()
    seen = [(r.penalty_accrued, r.days_past_due, r.bucket, r.aged_on, r.reminded_on) for r in rows]
    return seen, int(events)


async def test_aging_twice_a_day_changes_nothing_and_skipped_days_are_caught_up(
    sessions: Sessions, clock: FixedClock
) -> None:
    loan, _, _ = await disbursed_loan(sessions, clock)
    first = (await installments_of(sessions, loan.id))[0]
    async with sessions() as session:  # partly paid: what is overdue is OVERDUE
        await session.exec(
            update(LoanInstallment)
            .where(col(LoanInstallment.id) == first.id)
            .values(principal_paid=first.principal_due - OVERDUE)
        )
        await session.commit()
    due = datetime.combine(first.due_date, time(12), tzinfo=clock.now().tzinfo)

    clock.set(due + timedelta(days=10))
    await age_overdue_installments(sessions, clock)
    once = await _state(sessions, loan.id)
    await age_overdue_installments(sessions, clock)
    assert await _state(sessions, loan.id) == once
    assert daily_penalty(OVERDUE, RATE) == 2
    assert once[0][0][:3] == (7 * 2, 10, bucket_for(10).value)

    clock.set(due + timedelta(days=45))  # 35 days the job did not run
    await age_overdue_installments(sessions, clock)
    [aged, *_] = await installments_of(sessions, loan.id)
    assert aged.penalty_accrued == penalty_to_date(OVERDUE, RATE, days_late=45, grace_days=GRACE)
    assert (aged.days_past_due, aged.bucket) == (45, bucket_for(45).value)
