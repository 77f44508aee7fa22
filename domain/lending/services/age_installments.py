"""The daily overdue job: age unpaid installments (days past due, bucket), accrue penalty
interest day by day, remind borrowers before due dates, and default loans past the
product's threshold (the guarantee fund covers its share; the rest is written off).

Loans are claimed in batches with FOR UPDATE SKIP LOCKED, each batch in its own
transaction: several workers share the book, and a loan aged today is not aged again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, text, update
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.events.rows import payload_row
from domain.events.services.outbox import record_events
from domain.lending.events import LoanInstallmentDue
from domain.lending.overdue import age_installment, days_past_due, penalty_to_date, reminder_due
from domain.lending.services.default import default_loan
from domain.lending.services.product_terms import product_of
from domain.lending.tables import Loan, LoanInstallment, LoanProductRow
from domain.unit_of_work import transaction

LOANS = Loan.__table__  # type: ignore[attr-defined]
INSTALLMENTS = LoanInstallment.__table__  # type: ignore[attr-defined]

# Loans with an open installment due within the reminder window or already late, not yet
# aged today.
CLAIM_LOANS = text(
    """
    SELECT l.id FROM loan l
    WHERE l.state = 'ACTIVE'
      AND EXISTS (SELECT 1 FROM loan_installment i
                  WHERE i.loan_id = l.id AND i.paid_at IS NULL AND i.due_date <= :horizon
                    AND (i.aged_on IS NULL OR i.aged_on < :today))
      AND l.id > :after
    ORDER BY l.id
    LIMIT :batch
    FOR UPDATE OF l SKIP LOCKED
    """
)
REMIND_DAYS = (3, 1)


@dataclass
class _Open:
    """An open installment as the job reads and rewrites it (Core rows: no ORM per row)."""

    id: int
    loan_id: UUID
    number: int
    due_date: date
    principal_due: int
    principal_paid: int
    owed: int
    penalty_accrued: int
    days_past_due: int
    bucket: str
    aged_on: date | None
    reminded_on: date | None


async def age_loans(
    session: AsyncSession, *, today: date, now: datetime, batch: int, after: UUID
) -> list[UUID]:
    """Age one batch of loans (ids above `after`); the ids claimed."""
    conn = await session.connection()
    horizon = today + timedelta(days=max(REMIND_DAYS))
    wanted = {"horizon": horizon, "today": today, "batch": batch, "after": after}
    ids: list[UUID] = list((await conn.execute(CLAIM_LOANS, wanted)).scalars())
    if not ids:
        return ids
    loans = {
        row.id: row
        for row in await conn.execute(
            core_select(
                LOANS.c.id, LOANS.c.borrower_id, LOANS.c.product_id, LOANS.c.currency
            ).where(LOANS.c.id.in_(ids))
        )
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
    i = INSTALLMENTS.c
    owed = (
        i.principal_due
        + i.interest_due
        + i.fee_due
        + i.penalty_accrued
        - i.principal_paid
        - i.interest_paid
        - i.fee_paid
        - i.penalty_paid
    ).label("owed")
    installments: defaultdict[UUID, list[_Open]] = defaultdict(list)
    for row in await conn.execute(
        core_select(
            i.id,
            i.loan_id,
            i.number,
            i.due_date,
            i.principal_due,
            i.principal_paid,
            owed,
            i.penalty_accrued,
            i.days_past_due,
            i.bucket,
            i.aged_on,
            i.reminded_on,
        )
        .where(i.loan_id.in_(ids), i.paid_at.is_(None), i.due_date <= horizon)
        .order_by(i.loan_id, i.number)
    ):
        installments[row.loan_id].append(_Open(**row._asdict()))
    events, changed, defaulted = [], [], []
    for loan_id in ids:
        loan, product = loans[loan_id], products[loans[loan_id].product_id]
        late = False
        for item in installments[loan_id]:
            if item.aged_on is not None and item.aged_on >= today:
                continue
            if item.due_date < today:
                late |= _age(
                    item,
                    today,
                    product.penalty_daily_rate,
                    product.grace_days,
                    product.default_days,
                )
            elif reminder_due(item.due_date, today, days_before=REMIND_DAYS):
                events.append(_reminder(loan, item, now))
                item.reminded_on = today
            item.aged_on = today
            changed.append(item)
        if late:
            defaulted.append((loan_id, product))
    if changed:
        await conn.execute(
            update(INSTALLMENTS)
            .where(i.id == bindparam("b_id"))
            .values(
                penalty_accrued=bindparam("b_penalty"),
                days_past_due=bindparam("b_days"),
                bucket=bindparam("b_bucket"),
                aged_on=bindparam("b_aged"),
                reminded_on=bindparam("b_reminded"),
            ),
            [
                {
                    "b_id": c.id,
                    "b_penalty": c.penalty_accrued,
                    "b_days": c.days_past_due,
                    "b_bucket": c.bucket,
                    "b_aged": c.aged_on,
                    "b_reminded": c.reminded_on,
                }
                for c in changed
            ],
        )
    for loan_id, product in defaulted:
        full = await session.get(Loan, loan_id)
        assert full is not None
        await default_loan(session, loan=full, product=product, now=now)
    await record_events(session, events)
    return ids


def _age(row: _Open, today: date, daily_rate: Decimal, grace: int, default_days: int) -> bool:
    """Bring one late installment up to `today`, charging the penalty of every day since it
    was last aged (the overdue principal stood still meanwhile); whether it defaulted."""
    overdue_principal = row.principal_due - row.principal_paid
    aging = age_installment(
        due_date=row.due_date,
        on=today,
        overdue_principal=overdue_principal,
        daily_rate=daily_rate,
        grace_days=grace,
        default_days=default_days,
    )
    before = days_past_due(row.due_date, row.aged_on) if row.aged_on else 0
    row.penalty_accrued += penalty_to_date(
        overdue_principal, daily_rate, days_late=aging.days_past_due, grace_days=grace
    ) - penalty_to_date(overdue_principal, daily_rate, days_late=before, grace_days=grace)
    row.days_past_due = aging.days_past_due
    row.bucket = aging.bucket.value
    return aging.defaulted


def _reminder(loan: Any, row: _Open, now: datetime) -> dict[str, Any]:
    owed = row.owed
    due = LoanInstallmentDue(
        loan_id=str(loan.id),
        number=row.number,
        due_date=row.due_date.isoformat(),
        amount=owed,
        currency=loan.currency,
    )
    return payload_row(due, aggregate_id=loan.id, audience=[loan.borrower_id], occurred_at=now)


async def age_overdue_installments(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, batch: int = 500
) -> int:
    """The daily job: every claimable loan aged to today, a batch per transaction."""
    now = clock.now()
    today = now.astimezone(UTC).date()
    aged, after = 0, UUID(int=0)
    while True:  # keyset over loan ids: each batch starts where the last one ended
        async with transaction(sessions) as session:
            claimed = await age_loans(session, today=today, now=now, batch=batch, after=after)
        if not claimed:
            return aged
        aged, after = aged + len(claimed), max(claimed)
