"""The daily BNPL overdue job: late installments aged (days past due, bucket) with penalty
interest day by day, and `installmentDue` reminders before due dates, on lending's rules and
reminder days (domain/lending/overdue.py, domain/consumer_credit/overdue.py).

Plans are claimed in batches FOR UPDATE SKIP LOCKED, a batch per transaction, so several
workers share the book; an installment aged today is not aged again. Penalty owed is paid
first by the next repayment (manual or the automatic debit) and shared among the plan's
funders like interest. BNPL plans do not default here: they stay in the 90+ bucket.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.consumer_credit.events import PlanInstallmentDue
from domain.consumer_credit.overdue import catch_up
from domain.consumer_credit.plans import PLATFORM_PRODUCT
from domain.consumer_credit.tables import BnplInstallmentRow, BnplPlanRow
from domain.events.rows import payload_row
from domain.events.services.outbox import record_events
from domain.jobs.services.batches import in_batches
from domain.lending.overdue import reminder_due
from domain.lending.services.age_installments import REMIND_DAYS

CLAIM_PLANS = text(
    """
    SELECT p.id FROM bnpl_plan p
    WHERE p.state = 'ACTIVE' AND p.id > :after
      AND EXISTS (SELECT 1 FROM bnpl_installment i
                  WHERE i.plan_id = p.id AND i.paid_at IS NULL AND i.due_date <= :horizon
                    AND (i.aged_on IS NULL OR i.aged_on < :today))
    ORDER BY p.id
    LIMIT :batch
    FOR UPDATE OF p SKIP LOCKED
    """
)


async def age_plans(
    session: AsyncSession, *, today: date, now: datetime, batch: int, after: UUID
) -> list[UUID]:
    """Age one batch of plans (ids above `after`); the ids claimed."""
    horizon = today + timedelta(days=max(REMIND_DAYS))
    wanted = {"horizon": horizon, "today": today, "batch": batch, "after": after}
    ids = list((await (await session.connection()).execute(CLAIM_PLANS, wanted)).scalars())
    if not ids:
        return ids
    plans = {
        p.id: p
        for p in (await session.exec(select(BnplPlanRow).where(col(BnplPlanRow.id).in_(ids)))).all()
    }
    rows = await session.exec(
        select(BnplInstallmentRow)
        .where(
            col(BnplInstallmentRow.plan_id).in_(ids),
            col(BnplInstallmentRow.paid_at).is_(None),
            col(BnplInstallmentRow.due_date) <= horizon,
        )
        .order_by(col(BnplInstallmentRow.plan_id), col(BnplInstallmentRow.number))
        .with_for_update()
    )
    reminders = []
    for row in rows.all():
        if row.aged_on is not None and row.aged_on >= today:
            continue
        if row.due_date < today:
            aged = catch_up(
                due_date=row.due_date,
                last_aged=row.aged_on,
                on=today,
                overdue_principal=row.principal_due,
                daily_rate=PLATFORM_PRODUCT.penalty_daily_rate,
                grace_days=PLATFORM_PRODUCT.grace_days,
            )
            row.penalty_due += aged.penalty
            row.days_past_due, row.bucket = aged.days_past_due, aged.bucket.value
        elif reminder_due(row.due_date, today, days_before=REMIND_DAYS):
            reminders.append(_reminder(plans[row.plan_id], row, now))
            row.reminded_on = today
        row.aged_on = today
        session.add(row)
    await record_events(session, reminders)
    return ids


def _reminder(plan: BnplPlanRow, row: BnplInstallmentRow, now: datetime) -> dict[str, Any]:
    due = PlanInstallmentDue(
        plan_id=str(plan.id),
        number=row.number,
        due_date=row.due_date.isoformat(),
        amount=row.owed,
        currency=plan.currency,
    )
    return payload_row(due, aggregate_id=plan.id, audience=[plan.shopper_id], occurred_at=now)


async def age_bnpl_installments(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, batch: int = 500
) -> int:
    """The daily job: every claimable plan aged to today, a batch per transaction."""
    now = clock.now()
    today = now.astimezone(UTC).date()
    return await in_batches(
        sessions,
        lambda session, after: age_plans(session, today=today, now=now, batch=batch, after=after),
    )
