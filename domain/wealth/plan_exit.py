"""When a lending plan matures and how its investors leave it (pure).

- A plan matures `term_months` calendar months after its window closes (the day clamped to
  the month's length, as loan due dates are: domain.lending.calendar), in UTC. Its notes
  then go on lending's secondary market at their fair value (outstanding principal plus
  the interest accrued in the current period, within the product's bounds); what nobody
  bought `EXIT_DAYS` days later the platform's book buys at the same rule on that day (the
  plan paying the product's transfer fee, as any seller; none if its notes cannot be
  resold). Then the plan's cash is what it realised: the fee (plans.plan_fee) goes to
  revenue stream `management_fee` and the rest to its investors by their stakes, exactly.
- Early exit: refused until `lockup_months` after the window closes, and once the plan has
  matured. After it, the investor leaves with its exact share of the plan's cash and notes
  (notes at their outstanding principal; accrued interest stays with the plan), less the
  plan's early-exit fee (a percentage of that value, half-up), paid from the plan's cash:
  the others' shares keep their value, and the plan must hold the cash.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from domain.lending.calendar import add_months
from domain.money import round_half_up

EXIT_DAYS = 7  # on the secondary market before the platform's book buys the rest


def months_after(moment: datetime, months: int) -> datetime:
    """`moment` moved by `months` calendar months (day clamped), keeping its time of day."""
    day = add_months(moment.date(), months)
    return moment.replace(year=day.year, month=day.month, day=day.day)


def matures_at(closes_at: datetime, term_months: int) -> datetime:
    return months_after(closes_at, term_months)


def lockup_ends(closes_at: datetime, lockup_months: int) -> datetime:
    return months_after(closes_at, lockup_months)


def exit_deadline(matured_at: datetime) -> datetime:
    """When the platform's book buys what the market did not."""
    return matured_at + timedelta(days=EXIT_DAYS)


def early_exit_fee(value: int, fee_rate: Decimal) -> int:
    """The fee on leaving early with `value`: the rate, half-up, never more than the value."""
    if value < 0 or fee_rate < 0:
        raise ValueError("the value and the rate are never negative")
    return min(round_half_up(value * Fraction(fee_rate)), value)
