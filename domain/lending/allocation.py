"""Allocation of a repayment: oldest installment first, and within each the waterfall
penalty -> fees -> interest -> principal (DESIGN.md section 4), unless a product says
otherwise. What exceeds everything offered for payment is left over (it stays in the
borrower's wallet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum


class Component(Enum):
    PENALTY = "penalty"
    FEES = "fees"
    INTEREST = "interest"
    PRINCIPAL = "principal"


DEFAULT_WATERFALL = (Component.PENALTY, Component.FEES, Component.INTEREST, Component.PRINCIPAL)


@dataclass(frozen=True, slots=True)
class InstallmentDue:
    """What is still owed on one installment, by component (minor units)."""

    number: int
    due_date: date
    principal: int
    interest: int
    fees: int = 0
    penalty: int = 0
    period_start: date | None = None  # the previous due date (or the disbursement date)
    interest_paid: int = 0  # of this period's interest, already received

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.fees + self.penalty


@dataclass(frozen=True, slots=True)
class InstallmentAllocation:
    number: int
    penalty: int = 0
    fees: int = 0
    interest: int = 0
    principal: int = 0

    @property
    def total(self) -> int:
        return self.penalty + self.fees + self.interest + self.principal


@dataclass(frozen=True, slots=True)
class RepaymentAllocation:
    installments: tuple[InstallmentAllocation, ...]  # only those that received something
    leftover: int  # the overpayment

    @property
    def applied(self) -> int:
        return sum(item.total for item in self.installments)


def allocate_repayment(
    amount: int,
    installments: Sequence[InstallmentDue],
    waterfall: Sequence[Component] = DEFAULT_WATERFALL,
) -> RepaymentAllocation:
    """Apply `amount` to `installments` (the ones offered for payment), oldest first."""
    if amount < 0:
        raise ValueError("a repayment must not be negative")
    if sorted(waterfall, key=lambda c: c.value) != sorted(Component, key=lambda c: c.value):
        raise ValueError("the waterfall must name each component once")
    left = amount
    allocations = []
    for due in sorted(installments, key=lambda item: (item.due_date, item.number)):
        taken = InstallmentAllocation(due.number)
        for component in waterfall:
            part = min(left, getattr(due, component.value))
            left -= part
            taken = replace(taken, **{component.value: part})
        if taken.total:
            allocations.append(taken)
    return RepaymentAllocation(tuple(allocations), left)


def remaining_after(due: InstallmentDue, paid: InstallmentAllocation) -> InstallmentDue:
    """The installment as it stands once `paid` is applied."""
    return replace(
        due,
        principal=due.principal - paid.principal,
        interest=due.interest - paid.interest,
        fees=due.fees - paid.fees,
        penalty=due.penalty - paid.penalty,
        interest_paid=due.interest_paid + paid.interest,
    )
