"""Loan fees (origination, service): a percent of the principal and/or a fixed amount,
taken from the disbursement or spread exactly over the installments.

A percent fee is rounded half-up once, on the whole fee; a spread fee is then split into
equal parts, the earlier installments carrying the odd units, so the parts sum to the fee.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from fractions import Fraction

from domain.money import round_half_up, split_exactly


class FeeTiming(Enum):
    UPFRONT = "UPFRONT"  # deducted from what the borrower receives at disbursement
    SPREAD = "SPREAD"  # added to each installment


@dataclass(frozen=True, slots=True)
class FeeRule:
    name: str  # "origination", "service": the revenue stream it is booked to
    timing: FeeTiming
    percent: Decimal = Decimal(0)  # of the principal: 0.02 = 2 %
    fixed: int = 0  # minor units

    def problems(self) -> list[str]:
        problems = []
        if not Decimal(0) <= self.percent <= Decimal(1):
            problems.append(f"{self.name}: percent must be within 0..1")
        if self.fixed < 0:
            problems.append(f"{self.name}: fixed amount must not be negative")
        return problems


@dataclass(frozen=True, slots=True)
class FeePlan:
    upfront: int  # kept back from the disbursement
    per_installment: tuple[int, ...]  # added to each installment's fees
    by_fee: dict[str, int]  # each rule's whole amount, by name

    @property
    def total(self) -> int:
        return self.upfront + sum(self.per_installment)


def fee_amount(rule: FeeRule, principal: int) -> int:
    """The whole fee for a loan of `principal`: percent (half-up) plus the fixed part."""
    return round_half_up(principal * Fraction(rule.percent)) + rule.fixed


def plan_fees(rules: Sequence[FeeRule], *, principal: int, installments: int) -> FeePlan:
    """When each fee is paid: upfront ones at disbursement, spread ones over the installments."""
    upfront = 0
    spread = [0] * installments
    by_fee: dict[str, int] = {}
    for rule in rules:
        amount = fee_amount(rule, principal)
        by_fee[rule.name] = by_fee.get(rule.name, 0) + amount
        if rule.timing is FeeTiming.UPFRONT:
            upfront += amount
        else:
            parts = split_exactly(amount, [1] * installments)  # odd units go first
            spread = [a + b for a, b in zip(spread, parts, strict=True)]
    return FeePlan(upfront, tuple(spread), by_fee)
