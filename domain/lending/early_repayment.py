"""Early repayment: paying a loan off before its term, or prepaying part of its principal.

Everything already due is settled first (as `allocate_repayment` would). The current period
(the first installment not yet due) is charged interest per the product: up to the
repayment date (`ACCRUED_TO_DATE`, pro rata by days) or the full period (`FULL_PERIOD`),
with its fees and penalty. Later periods are never charged interest or fees: the money was
not used. A partial prepayment then repays principal, and the remaining installments are
re-amortised over the same dates (the term stays; the installments shrink).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import Enum

from domain.lending.accrual import accrued_interest
from domain.lending.allocation import (
    InstallmentAllocation,
    InstallmentDue,
    allocate_repayment,
    remaining_after,
)
from domain.lending.schedule import RepaymentMethod, RoundingMode, build_schedule


class EarlyRepaymentInterest(Enum):
    ACCRUED_TO_DATE = "ACCRUED_TO_DATE"
    FULL_PERIOD = "FULL_PERIOD"


@dataclass(frozen=True, slots=True)
class EarlyPayoff:
    settles: tuple[InstallmentAllocation, ...]  # what each unpaid installment receives
    waived: tuple[InstallmentAllocation, ...]  # interest and fees of periods not used

    @property
    def total(self) -> int:
        return sum(item.total for item in self.settles)


@dataclass(frozen=True, slots=True)
class PartialPrepayment:
    settled: tuple[InstallmentAllocation, ...]  # what was due, and the current period's charges
    principal_prepaid: int
    rescheduled: tuple[InstallmentDue, ...]  # the installments not yet due, re-amortised


def payoff_quote(
    installments: Sequence[InstallmentDue], *, on: date, rule: EarlyRepaymentInterest
) -> EarlyPayoff:
    """What settles the whole loan on `on`, per installment, and what is waived."""
    settles, waived = [], []
    due_now, future = split_at(installments, on)
    settles += [_everything(item) for item in due_now]
    for position, item in enumerate(future):
        interest = current_period_interest(item, on=on, rule=rule) if position == 0 else 0
        fees = item.fees if position == 0 else 0
        settles.append(
            InstallmentAllocation(item.number, item.penalty, fees, interest, item.principal)
        )
        waived.append(
            InstallmentAllocation(item.number, 0, item.fees - fees, item.interest - interest)
        )
    return EarlyPayoff(tuple(settles), tuple(w for w in waived if w.total))


def prepay_partially(
    amount: int,
    installments: Sequence[InstallmentDue],
    *,
    on: date,
    rule: EarlyRepaymentInterest,
    annual_rate: Decimal,
    method: RepaymentMethod,
    rounding: RoundingMode = RoundingMode.HALF_UP,
) -> PartialPrepayment:
    """Apply `amount` (less than the payoff) early: what is due, the current period, principal."""
    due_now, future = split_at(installments, on)
    if not future:
        raise ValueError("every installment is due: allocate the repayment instead")
    if amount >= payoff_quote(installments, on=on, rule=rule).total:
        raise ValueError("the amount settles the loan: use payoff_quote")
    overdue = allocate_repayment(amount, due_now)
    current, later = future[0], future[1:]
    charged = current_period_interest(current, on=on, rule=rule)
    charges = replace(current, principal=0, interest=charged)
    current_paid = allocate_repayment(overdue.leftover, [charges])
    settled = overdue.installments + current_paid.installments
    prepaid = current_paid.leftover
    if prepaid == 0:  # the current period is not even paid: nothing to re-amortise
        paid = current_paid.installments or (InstallmentAllocation(current.number),)
        rescheduled = (remaining_after(current, paid[0]), *later)
        return PartialPrepayment(settled, 0, rescheduled)
    balance = sum(item.principal for item in future) - prepaid
    schedule = build_schedule(
        principal=balance,
        annual_rate=annual_rate,
        term_months=len(future),
        method=method,
        rounding=rounding,
    )
    first = schedule[0]
    if rule is EarlyRepaymentInterest.FULL_PERIOD:
        rest_of_period = 0  # the whole period's interest was charged today
    else:  # interest on the smaller balance for the days left
        rest_of_period = first.interest - _accrued(first.interest, current, on)
    rescheduled = (
        replace(
            current,
            principal=first.principal,
            interest=rest_of_period,
            fees=0,
            penalty=0,
            interest_paid=current.interest_paid + charged,
        ),
        *(
            replace(item, principal=new.principal, interest=new.interest)
            for item, new in zip(later, schedule[1:], strict=True)
        ),
    )
    return PartialPrepayment(settled, prepaid, rescheduled)


def current_period_interest(
    installment: InstallmentDue, *, on: date, rule: EarlyRepaymentInterest
) -> int:
    """The interest of a period not yet due that a repayment on `on` owes, net of what was paid."""
    if rule is EarlyRepaymentInterest.FULL_PERIOD:
        return installment.interest
    period_interest = installment.interest + installment.interest_paid
    owed = _accrued(period_interest, installment, on) - installment.interest_paid
    return min(max(owed, 0), installment.interest)


def _accrued(period_interest: int, installment: InstallmentDue, on: date) -> int:
    if installment.period_start is None:
        raise ValueError("accruing to a date needs the period's start")
    return accrued_interest(
        period_interest, period_start=installment.period_start, due_date=installment.due_date, on=on
    )


def split_at(
    installments: Sequence[InstallmentDue], on: date
) -> tuple[list[InstallmentDue], list[InstallmentDue]]:
    """The installments due by `on` and those not yet due, each oldest first."""
    ordered = sorted(installments, key=lambda item: (item.due_date, item.number))
    return [i for i in ordered if i.due_date <= on], [i for i in ordered if i.due_date > on]


def _everything(item: InstallmentDue) -> InstallmentAllocation:
    return InstallmentAllocation(
        item.number, item.penalty, item.fees, item.interest, item.principal
    )
