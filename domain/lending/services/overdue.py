"""The daily overdue job: age unpaid installments (days past due, bucket), accrue penalty
interest day by day, remind borrowers before due dates, and default loans past the
product's threshold (the guarantee fund covers its share; the rest is written off).

Loans are claimed in batches with FOR UPDATE SKIP LOCKED, each batch in its own
transaction: several workers share the book, and a loan aged today is not aged again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.events.catalog import EventType
from domain.events.rows import event_row
from domain.events.services.outbox import record_events
from domain.lending.overdue import age_installment, reminder_due
from domain.lending.services.default import default_loan
from domain.lending.services.product_terms import product_of
from domain.lending.tables import Loan, LoanInstallment, LoanProductRow

# Loans with an open installment due within the reminder window or already late, not yet
# aged today.
CLAIM_LOANS = text(
    """
    SELECT l.id FROM loan l
    WHERE l.state = 'ACTIVE'
      AND EXISTS (SELECT 1 FROM loan_installment i
                  WHERE i.loan_id = l.id AND i.paid_at IS NULL AND i.due_date <= :horizon
                    AND (i.aged_on IS NULL OR i.aged_on < :today))
    ORDER BY l.id
    LIMIT :batch
    FOR UPDATE OF l SKIP LOCKED
    """
)
REMIND_DAYS = (3, 1)


async def age_loans(session: AsyncSession, *, today: date, now: datetime, batch: int) -> int:
    """Age one batch of loans; how many were claimed."""
    conn = await session.connection()
    horizon = today + timedelta(days=max(REMIND_DAYS))
    ids = list((await conn.execute(CLAIM_LOANS, {"horizon": horizon, "today": today,
                                                 "batch": batch})).scalars())  # fmt: skip
    if not ids:
        return 0
    loans = {
        loan.id: loan
        for loan in (await session.exec(select(Loan).where(col(Loan.id).in_(ids)))).all()
    }
    products = {
        row.id: product_of(row)
        for row in (
            await session.exec(
                select(LoanProductRow).where(
                    col(LoanProductRow.id).in_({loan.product_id for loan in loans.values()})
                )
            )
        ).all()
    }
    installments: defaultdict[UUID, list[LoanInstallment]] = defaultdict(list)
    rows = await session.exec(
        select(LoanInstallment)
        .where(
            col(LoanInstallment.loan_id).in_(ids),
            col(LoanInstallment.paid_at).is_(None),
            col(LoanInstallment.due_date) <= horizon,
        )
        .order_by(col(LoanInstallment.loan_id), col(LoanInstallment.number))
    )
    for row in rows.all():
        installments[row.loan_id].append(row)
    events = []
    for loan_id in ids:
        loan = loans[loan_id]
        product = products[loan.product_id]
        defaulted = False
        for row in installments[loan_id]:
            if row.aged_on is not None and row.aged_on >= today:
                continue
            if row.due_date < today:
                defaulted |= _age(row, today, product.penalty_daily_rate, product.grace_days,
                                  product.default_days)  # fmt: skip
            elif reminder_due(row.due_date, today, days_before=REMIND_DAYS):
                events.append(_reminder(loan, row, now))
                row.reminded_on = today
            row.aged_on = today
        if defaulted:
            await default_loan(session, loan=loan, product=product, now=now)
    await session.flush()
    await record_events(session, events)
    return len(ids)


def _age(row: LoanInstallment, today: date, daily_rate: object, grace: int,
         default_days: int) -> bool:  # fmt: skip
    """Bring one late installment up to `today`, a day of penalty for each day not yet
    charged; whether it has reached default."""
    first = max(row.aged_on or row.due_date, row.due_date) + timedelta(days=1)
    overdue_principal = row.principal_due - row.principal_paid
    aging = None
    day = first
    while day <= today:
        aging = age_installment(
            due_date=row.due_date, on=day, overdue_principal=overdue_principal,
            daily_rate=daily_rate, grace_days=grace, default_days=default_days,  # type: ignore[arg-type]
        )  # fmt: skip
        row.penalty_accrued += aging.penalty_today
        day += timedelta(days=1)
    if aging is None:
        return False
    row.days_past_due = aging.days_past_due
    row.bucket = aging.bucket.value
    return aging.defaulted


def _reminder(loan: Loan, row: LoanInstallment, now: datetime) -> dict[str, object]:
    owed = (row.principal_due + row.interest_due + row.fee_due + row.penalty_accrued
            - row.principal_paid - row.interest_paid - row.fee_paid - row.penalty_paid)  # fmt: skip
    return event_row(
        EventType.INSTALLMENT_DUE, aggregate_type="Loan", aggregate_id=loan.id,
        audience=[loan.borrower_id],
        payload={"loan_id": str(loan.id), "number": row.number,
                 "due_date": row.due_date.isoformat(), "amount": owed,
                 "currency": loan.currency},
        occurred_at=now,
    )  # fmt: skip


async def age_overdue_installments(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, batch: int = 500
) -> int:
    """The daily job: every claimable loan aged to today, a batch per transaction."""
    now = clock.now()
    today = now.astimezone(UTC).date()
    aged = 0
    while True:
        async with sessions() as session:
            claimed = await age_loans(session, today=today, now=now, batch=batch)
            await session.commit()
        if claimed == 0:
            return aged
        aged += claimed
