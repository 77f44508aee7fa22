"""The merchant discount rate (MDR): what the platform charges a merchant per payment (pure).

fee = percent of the amount, rounded half-up to the minor unit, plus a fixed part; never more
than the amount itself (a 1.00 payment on a 0.6 % + 2.00 plan costs 1.00, not 2.01).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from domain.money import Money, round_half_up

MAX_PERCENT = Decimal(100)


@dataclass(frozen=True, slots=True)
class FeePlan:
    """A merchant's plan: `percent` % (Decimal("0.6") = 0.6 %) plus `fixed` per payment."""

    percent: Decimal
    fixed: Money


def fee_plan_violations(plan: FeePlan) -> list[tuple[str, str]]:
    """(field, message) for each broken rule of a plan; empty when it is valid."""
    found = []
    if not plan.percent.is_finite() or not Decimal(0) <= plan.percent <= MAX_PERCENT:
        found.append(("percent", "must be within 0..100"))
    if plan.fixed.minor < 0:
        found.append(("fixed", "must not be negative"))
    return found


def mdr_fee(amount: Money, plan: FeePlan) -> Money:
    """The fee on a payment of `amount` (>= 0) under `plan`, in the amount's currency."""
    if amount.minor < 0:
        raise ValueError("a fee is charged on a non-negative amount")
    if plan.fixed.currency != amount.currency:
        raise ValueError(f"the plan's fixed fee is in {plan.fixed.currency}, not {amount.currency}")
    violations = fee_plan_violations(plan)
    if violations:
        raise ValueError("; ".join(f"{field}: {message}" for field, message in violations))
    variable = round_half_up(amount.minor * Fraction(plan.percent) / 100)
    return Money(min(variable + plan.fixed.minor, amount.minor), amount.currency)
