"""A repayment that may run ahead of the schedule, under the product's early-repayment rule.

What is due is settled first (allocation.py). Money beyond it is an early repayment
(early_repayment.py): enough for the payoff settles the loan, the rest staying with the
payer; less pays the current period's charges per the rule and then prepays principal,
the installments not yet due re-amortised over the same dates. The prepaid principal is
booked on the current installment, so the schedule's principal still sums to the loan's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from domain.lending.allocation import (
    InstallmentAllocation,
    InstallmentDue,
    RepaymentAllocation,
    allocate_repayment,
)
from domain.lending.early_repayment import (
    EarlyRepaymentInterest,
    payoff_quote,
    prepay_partially,
    split_at,
)
from domain.lending.schedule import RepaymentMethod, RoundingMode


@dataclass(frozen=True, slots=True)
class EarlyRepaymentAllocation:
    allocation: RepaymentAllocation  # what each installment receives; the overpayment
    remaining: tuple[InstallmentDue, ...]  # installments not yet due, as they stand after
    principal_prepaid: int  # principal paid ahead of its due date

    @property
    def paid_off(self) -> bool:
        return bool(self.remaining) and all(item.total == 0 for item in self.remaining)


def allocate_early_repayment(
    amount: int,
    installments: Sequence[InstallmentDue],
    *,
    on: date,
    rule: EarlyRepaymentInterest,
    annual_rate: Decimal,
    method: RepaymentMethod,
    rounding: RoundingMode = RoundingMode.HALF_UP,
) -> EarlyRepaymentAllocation:
    """Apply `amount` on `on` to what is due, then ahead of the schedule per `rule`."""
    due_now, future = split_at(installments, on)
    if not future:
        return EarlyRepaymentAllocation(allocate_repayment(amount, due_now), (), 0)
    payoff = payoff_quote(installments, on=on, rule=rule)
    if amount >= payoff.total:
        paid = tuple(item for item in payoff.settles if item.total)
        settled = tuple(
            replace(item, principal=0, interest=0, fees=0, penalty=0) for item in future
        )
        prepaid = sum(item.principal for item in future)
        return EarlyRepaymentAllocation(
            RepaymentAllocation(paid, amount - payoff.total), settled, prepaid
        )
    partial = prepay_partially(
        amount,
        installments,
        on=on,
        rule=rule,
        annual_rate=annual_rate,
        method=method,
        rounding=rounding,
    )
    paid = _with_principal(partial.settled, future[0].number, partial.principal_prepaid)
    return EarlyRepaymentAllocation(
        RepaymentAllocation(paid, 0), partial.rescheduled, partial.principal_prepaid
    )


def _with_principal(
    paid: tuple[InstallmentAllocation, ...], number: int, principal: int
) -> tuple[InstallmentAllocation, ...]:
    """`paid` with `principal` more on installment `number` (added if it had nothing)."""
    if principal == 0:
        return paid
    if all(item.number != number for item in paid):
        return (*paid, InstallmentAllocation(number, principal=principal))
    return tuple(
        replace(item, principal=item.principal + principal) if item.number == number else item
        for item in paid
    )
