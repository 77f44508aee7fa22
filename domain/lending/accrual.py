"""Interest accrued within a period to a date: pro rata by days, half-up to the minor unit.

Early repayment (interest up to the repayment date) and debt transfer (what the seller has
earned) use the same rule, so a borrower and a note buyer are never told two amounts.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from domain.money import round_half_up


def accrued_interest(period_interest: int, *, period_start: date, due_date: date, on: date) -> int:
    """The share of `period_interest` earned by `on`: none at the start, all from the due date."""
    days = (due_date - period_start).days
    if days <= 0:
        raise ValueError("a period must end after it starts")
    elapsed = min(max((on - period_start).days, 0), days)
    return round_half_up(Fraction(period_interest * elapsed, days))
