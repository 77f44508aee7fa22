"""A late BNPL installment brought up to a day, on lending's overdue rules (pure).

Days past due, the delinquency bucket and the daily penalty are lending's
(domain/lending/overdue.py); what BNPL adds is the catch-up: the job charges, when it sees an
installment, the penalty of every day since it last did (the overdue principal stood still
meanwhile), so a missed day is charged once, later, and a second run the same day adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.lending.overdue import (
    DelinquencyBucket,
    age_installment,
    days_past_due,
    penalty_to_date,
)


@dataclass(frozen=True, slots=True)
class CaughtUp:
    days_past_due: int
    bucket: DelinquencyBucket
    penalty: int  # to add for the days since `last_aged`


def catch_up(
    *,
    due_date: date,
    last_aged: date | None,
    on: date,
    overdue_principal: int,
    daily_rate: Decimal,
    grace_days: int,
) -> CaughtUp:
    """The installment on `on`, and the penalty of the days since it was last aged."""
    aging = age_installment(
        due_date=due_date,
        on=on,
        overdue_principal=overdue_principal,
        daily_rate=daily_rate,
        grace_days=grace_days,
        default_days=0,
    )
    before = days_past_due(due_date, last_aged) if last_aged else 0
    charged = penalty_to_date(
        overdue_principal, daily_rate, days_late=aging.days_past_due, grace_days=grace_days
    ) - penalty_to_date(overdue_principal, daily_rate, days_late=before, grace_days=grace_days)
    return CaughtUp(aging.days_past_due, aging.bucket, max(charged, 0))
