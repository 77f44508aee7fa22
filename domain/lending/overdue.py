"""Overdue installments: days past due, delinquency buckets, penalty interest and default.

Penalty interest accrues each day on the overdue principal at the product's daily rate,
rounded half-up per day (the daily job posts one day at a time, so the total is the sum of
those days). A grace period is free: the first chargeable day is the one after it, and the
grace days are not charged later. A loan defaults once an installment is `default_days`
past due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from fractions import Fraction

from domain.money import round_half_up


class DelinquencyBucket(Enum):
    CURRENT = "CURRENT"
    DPD_1_30 = "DPD_1_30"
    DPD_31_60 = "DPD_31_60"
    DPD_61_90 = "DPD_61_90"
    DPD_90_PLUS = "DPD_90_PLUS"


_BUCKETS = (
    (0, DelinquencyBucket.CURRENT),
    (30, DelinquencyBucket.DPD_1_30),
    (60, DelinquencyBucket.DPD_31_60),
    (90, DelinquencyBucket.DPD_61_90),
)


@dataclass(frozen=True, slots=True)
class InstallmentAging:
    days_past_due: int
    bucket: DelinquencyBucket
    penalty_today: int  # what the daily job accrues for `on`
    defaulted: bool


def days_past_due(due_date: date, on: date) -> int:
    """Whole days an unpaid installment is late on `on`; 0 up to and on its due date."""
    return max((on - due_date).days, 0)


def bucket_bounds() -> tuple[tuple[int, DelinquencyBucket], ...]:
    """Each bucket's most days past due, in order (the overdue job's SQL reads the same)."""
    return _BUCKETS


def bucket_for(days: int) -> DelinquencyBucket:
    for upper, bucket in _BUCKETS:
        if days <= upper:
            return bucket
    return DelinquencyBucket.DPD_90_PLUS


def daily_penalty(overdue_principal: int, daily_rate: Decimal) -> int:
    """One day's penalty interest on the overdue principal, half-up."""
    return round_half_up(overdue_principal * Fraction(daily_rate))


def chargeable_days(days_late: int, grace_days: int) -> int:
    return max(days_late - grace_days, 0)


def penalty_to_date(
    overdue_principal: int, daily_rate: Decimal, *, days_late: int, grace_days: int
) -> int:
    """The penalty accrued over `days_late` days while the overdue principal stood still."""
    return daily_penalty(overdue_principal, daily_rate) * chargeable_days(days_late, grace_days)


def age_installment(
    *,
    due_date: date,
    on: date,
    overdue_principal: int,
    daily_rate: Decimal,
    grace_days: int,
    default_days: int,
) -> InstallmentAging:
    """An unpaid installment as the daily job sees it on `on`."""
    days = days_past_due(due_date, on)
    chargeable = days > grace_days
    return InstallmentAging(
        days_past_due=days,
        bucket=bucket_for(days),
        penalty_today=daily_penalty(overdue_principal, daily_rate) if chargeable else 0,
        defaulted=is_defaulted(days, default_days),
    )


def is_defaulted(days_late: int, default_days: int) -> bool:
    return days_late >= default_days > 0


def reminder_due(due_date: date, on: date, *, days_before: tuple[int, ...] = (3, 1)) -> bool:
    """Whether `on` is one of the days an `installmentDue` reminder goes out."""
    return (due_date - on).days in days_before
