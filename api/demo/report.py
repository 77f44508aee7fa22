"""The figures the demo ends with, read from the books: revenue by stream, what is lent and
outstanding, what is overdue by bucket."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

REVENUE = text(
    """
    SELECT label, SUM(credits_posted - debits_posted) AS amount
    FROM ledger_account
    WHERE kind = 'PLATFORM_REVENUE' AND currency = :currency
    GROUP BY label ORDER BY label
    """
)
# What borrowers still owe: principal not yet repaid on loans not ended (written-off
# principal of a defaulted loan is owed to its cover, still outstanding).
OUTSTANDING = text(
    """
    SELECT l.state, COUNT(DISTINCT l.id) AS loans,
           COALESCE(SUM(i.principal_due - i.principal_paid), 0) AS principal
    FROM loan l JOIN loan_installment i ON i.loan_id = l.id
    WHERE l.currency = :currency AND l.state IN ('ACTIVE', 'DEFAULTED')
    GROUP BY l.state
    """
)
OVERDUE = text(
    """
    SELECT i.bucket, COUNT(*) AS installments,
           SUM(i.principal_due + i.interest_due + i.fee_due + i.penalty_accrued
               - i.principal_paid - i.interest_paid - i.fee_paid - i.penalty_paid) AS owed
    FROM loan_installment i JOIN loan l ON l.id = i.loan_id
    WHERE l.currency = :currency AND i.days_past_due > 0
      AND i.principal_paid + i.interest_paid + i.fee_paid + i.penalty_paid
          < i.principal_due + i.interest_due + i.fee_due + i.penalty_accrued
    GROUP BY i.bucket ORDER BY i.bucket
    """
)


@dataclass(frozen=True)
class Figures:
    revenue: dict[str, int]  # by stream
    outstanding: dict[str, tuple[int, int]]  # by loan state: (loans, principal)
    overdue: dict[str, tuple[int, int]]  # by bucket: (instalments, amount owed)


async def read_figures(sessions: async_sessionmaker[AsyncSession], currency: str) -> Figures:
    async with sessions() as session:
        conn = await session.connection()
        args = {"currency": currency}
        revenue = {r.label: int(r.amount) for r in await conn.execute(REVENUE, args)}
        outstanding = {
            r.state: (int(r.loans), int(r.principal)) for r in await conn.execute(OUTSTANDING, args)
        }
        overdue = {
            r.bucket: (int(r.installments), int(r.owed)) for r in await conn.execute(OVERDUE, args)
        }
    return Figures(revenue, outstanding, overdue)
