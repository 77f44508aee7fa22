"""Computing the disclosure figures of one currency from the loan tables (plain SQL
aggregates; the worker runs it, never a request).

The loans counted are the marketplace's (`loan`), disbursed ones only. "Outstanding" is an
ACTIVE loan's scheduled principal (and interest) not yet paid; a loan is overdue when its
oldest unpaid installment's due date has passed, over 90 days when it passed more than 90
days ago. A lender is a note holder other than the platform's own book; related parties are
borrowers holding the operator role. Loss is a DEFAULTED loan's principal its borrower has
not repaid (recoveries deducted).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.disclosure.figures import OVERDUE_LONG_DAYS, Figures, GradeFacts, VintageFacts

_LENT = text(
    """
    SELECT COUNT(*) AS n, COALESCE(SUM(l.principal), 0) AS amount,
           COUNT(DISTINCT l.borrower_id) AS borrowers,
           COUNT(*) FILTER (WHERE 'OPERATOR' = ANY(p.roles)) AS related_count,
           COALESCE(SUM(l.principal) FILTER (WHERE 'OPERATOR' = ANY(p.roles)), 0)
               AS related_amount
    FROM loan l JOIN participant p ON p.id = l.borrower_id
    WHERE l.currency = :currency AND l.disbursed_at IS NOT NULL
    """
)
_OUTSTANDING = text(
    """
    WITH active AS (
        SELECT l.id, l.borrower_id, 'OPERATOR' = ANY(p.roles) AS related,
               SUM(i.principal_due - i.principal_paid) AS principal,
               SUM(i.interest_due - i.interest_paid) AS interest,
               MIN(i.due_date) FILTER (WHERE i.paid_at IS NULL) AS oldest_unpaid
        FROM loan l
        JOIN participant p ON p.id = l.borrower_id
        JOIN loan_installment i ON i.loan_id = l.id
        WHERE l.currency = :currency AND l.state = 'ACTIVE'
        GROUP BY l.id, l.borrower_id, p.roles
    ),
    per_borrower AS (
        SELECT SUM(principal) AS principal FROM active GROUP BY borrower_id
        ORDER BY principal DESC LIMIT 10
    )
    SELECT COUNT(*) AS n, COALESCE(SUM(principal), 0) AS principal,
           COALESCE(SUM(interest), 0) AS interest,
           COUNT(DISTINCT borrower_id) AS borrowers,
           COUNT(*) FILTER (WHERE related) AS related_count,
           COALESCE(SUM(principal) FILTER (WHERE related), 0) AS related_principal,
           COUNT(*) FILTER (WHERE oldest_unpaid < :today) AS overdue_count,
           COALESCE(SUM(principal) FILTER (WHERE oldest_unpaid < :today), 0) AS overdue,
           COUNT(*) FILTER (WHERE oldest_unpaid < :long_ago) AS long_count,
           COALESCE(SUM(principal) FILTER (WHERE oldest_unpaid < :long_ago), 0) AS long,
           (SELECT COALESCE(SUM(principal), 0) FROM per_borrower) AS top10,
           (SELECT COALESCE(MAX(principal), 0) FROM per_borrower) AS largest
    FROM active
    """
)
_LENDERS = text(
    """
    SELECT COUNT(DISTINCT n.holder_id) AS cumulative,
           COUNT(DISTINCT n.holder_id) FILTER (WHERE n.status = 'ACTIVE') AS current
    FROM loan_note n JOIN loan l ON l.id = n.loan_id
    WHERE l.currency = :currency AND l.disbursed_at IS NOT NULL AND n.funder_kind <> 'PLATFORM'
    """
)
_COVER_PAID = text(
    """
    SELECT COUNT(*) AS n, COALESCE(SUM(r.amount), 0) AS amount
    FROM repayment r JOIN loan l ON l.id = r.loan_id
    WHERE l.currency = :currency AND r.amount > 0
      AND r.kind IN ('INSURANCE', 'GUARANTEE', 'GUARANTEE_FUND')
    """
)
# Per loan disbursed: its grade, vintage, default month and unrepaid principal if defaulted.
_LOANS = """
    WITH lost AS (
        SELECT i.loan_id, SUM(i.principal_due - i.principal_paid) AS lost
        FROM loan_installment i JOIN loan l ON l.id = i.loan_id
        WHERE l.currency = :currency AND l.state = 'DEFAULTED'
        GROUP BY i.loan_id
    ),
    loans AS (
        SELECT l.grade, l.principal, l.borrower_rate,
               date_trunc('month', l.disbursed_at AT TIME ZONE 'UTC')::date AS vintage,
               CASE WHEN l.state = 'DEFAULTED'
                    THEN date_trunc('month', l.ended_at AT TIME ZONE 'UTC')::date END
                   AS loss_month,
               COALESCE(lost.lost, 0) AS lost
        FROM loan l LEFT JOIN lost ON lost.loan_id = l.id
        WHERE l.currency = :currency AND l.disbursed_at IS NOT NULL
    )
"""
_GRADES = text(
    _LOANS  # noqa: S608  # constant SQL, composed here
    + """
    SELECT grade, COUNT(*) AS n, SUM(principal) AS amount,
           SUM(principal * borrower_rate) AS rate_weight, SUM(lost) AS lost
    FROM loans GROUP BY grade ORDER BY grade
    """
)
_VINTAGES = text(
    _LOANS  # noqa: S608  # constant SQL, composed here
    + """
    SELECT vintage, loss_month, COUNT(*) AS n, SUM(principal) AS amount, SUM(lost) AS lost
    FROM loans GROUP BY vintage, loss_month ORDER BY vintage, loss_month
    """
)
_FEES = text(
    """
    SELECT code, version, name, fees, platform_spread, penalty_daily_rate, grace_days
    FROM loan_product WHERE currency = :currency AND superseded_at IS NULL ORDER BY code
    """
)


def _fee_entry(row: Any) -> dict[str, Any]:
    return {
        "product": row.code,
        "version": row.version,
        "name": row.name,
        "fees": [
            {
                "name": fee["name"],
                "timing": fee["timing"],
                "percent": str(Decimal(str(fee.get("percent", "0")))),
                "fixed": int(fee.get("fixed", 0)),
            }
            for fee in row.fees
        ],
        "platformSpread": str(row.platform_spread),
        "penaltyDailyRate": str(row.penalty_daily_rate),
        "graceDays": row.grace_days,
    }


async def compute_figures(session: AsyncSession, *, currency: str, now: datetime) -> Figures:
    """The figures of `currency` as the loan tables stand now (read in one snapshot)."""
    conn = await session.connection()
    today = now.date()
    where = {"currency": currency}
    lent = (await conn.execute(_LENT, where)).one()
    out = (
        await conn.execute(
            _OUTSTANDING,
            {**where, "today": today, "long_ago": today - timedelta(days=OVERDUE_LONG_DAYS)},
        )
    ).one()
    lenders = (await conn.execute(_LENDERS, where)).one()
    cover = (await conn.execute(_COVER_PAID, where)).one()
    grades = [
        GradeFacts(r.grade, r.n, int(r.amount), Decimal(r.rate_weight), int(r.lost))
        for r in await conn.execute(_GRADES, where)
    ]
    vintages = [
        VintageFacts(r.vintage, r.loss_month, r.n, int(r.amount), int(r.lost))
        for r in await conn.execute(_VINTAGES, where)
    ]
    fees = [_fee_entry(r) for r in await conn.execute(_FEES, where)]
    return Figures(
        currency=currency,
        as_of=now.isoformat(),
        lent_amount=int(lent.amount),
        lent_count=lent.n,
        outstanding_principal=int(out.principal),
        outstanding_count=out.n,
        outstanding_interest=int(out.interest),
        lenders_cumulative=lenders.cumulative,
        lenders_current=lenders.current,
        borrowers_cumulative=lent.borrowers,
        borrowers_current=out.borrowers,
        top10_outstanding=int(out.top10),
        largest_outstanding=int(out.largest),
        related_lent_amount=int(lent.related_amount),
        related_lent_count=lent.related_count,
        related_outstanding_principal=int(out.related_principal),
        related_outstanding_count=out.related_count,
        overdue_principal=int(out.overdue),
        overdue_count=out.overdue_count,
        overdue_long_principal=int(out.long),
        overdue_long_count=out.long_count,
        cover_paid_amount=int(cover.amount),
        cover_paid_count=cover.n,
        fee_schedule=fees,
        grades=grades,
        vintages=vintages,
    )


def month_of(day: date) -> date:
    return day.replace(day=1)
