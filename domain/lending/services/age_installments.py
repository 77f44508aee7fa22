"""The daily overdue job: age unpaid installments (days past due, bucket), accrue penalty
interest day by day, remind borrowers before due dates, and default loans past the
product's threshold (the guarantee fund covers its share; the rest is written off).

Loans are claimed in batches with FOR UPDATE SKIP LOCKED, each batch in its own
transaction: several workers share the book, and a loan aged today is not aged again.
Each batch's installments are aged by two set-based statements (late ones, then the ones
coming due), not row by row in Python: the database returns only what the job acts on
(loans that defaulted, reminders to send).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.events.rows import payload_row
from domain.events.services.outbox import record_events
from domain.lending.events import LoanInstallmentDue
from domain.lending.overdue import DelinquencyBucket, bucket_bounds
from domain.lending.services.default import default_loan
from domain.lending.services.product_terms import product_of
from domain.lending.tables import Loan, LoanProductRow
from domain.unit_of_work import transaction

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

# The bucket of `days` past due, from the same bounds `bucket_for` reads.
_BUCKET = (
    "CASE "
    + " ".join(
        f"WHEN {{days}} <= {upper} THEN '{bucket.value}'" for upper, bucket in bucket_bounds()
    )
    + f" ELSE '{DelinquencyBucket.DPD_90_PLUS.value}' END"
)
# The chargeable days (past the grace period) of an installment `days` late.
_CHARGEABLE = "greatest({days} - p.grace_days, 0)"
_DAYS_NOW = "(:today - i.due_date)"
_DAYS_BEFORE = "coalesce(greatest(i.aged_on - i.due_date, 0), 0)"

# Every late installment of the claimed loans brought up to today, charging the penalty of
# each chargeable day since it was last aged (the overdue principal stood still meanwhile;
# one day's penalty rounded half-up, as `daily_penalty`: PostgreSQL's numeric round() takes
# a tie away from zero). Returns the loans that reached the product's default threshold.
AGE_LATE = text(
    f"""
    WITH aged AS (
      UPDATE loan_installment i SET
        penalty_accrued = i.penalty_accrued
          + round((i.principal_due - i.principal_paid) * p.penalty_daily_rate)::bigint
          * ({_CHARGEABLE.format(days=_DAYS_NOW)} - {_CHARGEABLE.format(days=_DAYS_BEFORE)}),
        days_past_due = {_DAYS_NOW},
        bucket = {_BUCKET.format(days=_DAYS_NOW)},
        aged_on = :today
      FROM loan l JOIN loan_product p ON p.id = l.product_id
      WHERE l.id IN :ids AND i.loan_id = l.id
        AND i.paid_at IS NULL AND i.due_date < :today
        AND (i.aged_on IS NULL OR i.aged_on < :today)
      RETURNING i.loan_id, i.days_past_due >= p.default_days AND p.default_days > 0 AS defaulted
    )
    SELECT DISTINCT loan_id FROM aged WHERE defaulted ORDER BY loan_id
    """  # noqa: S608  # constant SQL, composed here
).bindparams(bindparam("ids", expanding=True))

# Installments coming due within the reminder window, marked seen today; those due in one
# of REMIND_DAYS days come back, in the order the events are written, for their reminder.
AGE_COMING = text(
    """
    WITH seen AS (
      UPDATE loan_installment i SET
        aged_on = :today,
        reminded_on = CASE WHEN i.due_date - :today IN :remind_days THEN :today
                           ELSE i.reminded_on END
      FROM loan l
      WHERE l.id IN :ids AND i.loan_id = l.id
        AND i.paid_at IS NULL AND i.due_date >= :today AND i.due_date <= :horizon
        AND (i.aged_on IS NULL OR i.aged_on < :today)
      RETURNING l.id AS loan_id, l.borrower_id, l.currency, i.number, i.due_date,
        i.reminded_on = :today AS reminded,
        i.principal_due + i.interest_due + i.fee_due + i.penalty_accrued
          - i.principal_paid - i.interest_paid - i.fee_paid - i.penalty_paid AS owed
    )
    SELECT loan_id, borrower_id, currency, number, due_date, owed FROM seen
    WHERE reminded ORDER BY loan_id, number
    """
).bindparams(bindparam("ids", expanding=True), bindparam("remind_days", expanding=True))


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
    defaulted = list((await conn.execute(AGE_LATE, {"ids": ids, "today": today})).scalars())
    coming = await conn.execute(
        AGE_COMING,
        {"ids": ids, "today": today, "horizon": horizon, "remind_days": list(REMIND_DAYS)},
    )
    events = [_reminder(row, now) for row in coming]
    for loan_id in defaulted:
        loan = await session.get(Loan, loan_id)
        assert loan is not None
        product_row = await session.get(LoanProductRow, loan.product_id)
        assert product_row is not None
        await default_loan(session, loan=loan, product=product_of(product_row), now=now)
    await record_events(session, events)
    return ids


def _reminder(row: Any, now: datetime) -> dict[str, Any]:
    due = LoanInstallmentDue(
        loan_id=str(row.loan_id),
        number=row.number,
        due_date=row.due_date.isoformat(),
        amount=row.owed,
        currency=row.currency,
    )
    return payload_row(due, aggregate_id=row.loan_id, audience=[row.borrower_id], occurred_at=now)


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
