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


def fee_stream(name: str) -> str:
    """The platform revenue stream a fee is booked to: "origination" -> "origination_fee"."""
    return f"{name}_fee"


def fee_amount(rule: FeeRule, principal: int) -> int:
    """The whole fee for a loan of `principal`: percent (half-up) plus the fixed part."""
    return round_half_up(principal * Fraction(rule.percent)) + rule.fixed


def plan_fees(rules: Sequence[FeeRule], *, principal: int, installments: int) -> FeePlan:
    """When each fee is paid: upfront ones at disbursement, spread ones over the installments."""
    upfront = sum(fee_amount(r, principal) for r in rules if r.timing is FeeTiming.UPFRONT)
    by_fee: dict[str, int] = {}
    for rule in rules:
        by_fee[rule.name] = by_fee.get(rule.name, 0) + fee_amount(rule, principal)
    spread = spread_fee_parts(rules, principal=principal, installments=installments)
    return FeePlan(upfront, tuple(sum(part for _, part in parts) for parts in spread), by_fee)


def spread_fee_parts(
    rules: Sequence[FeeRule], *, principal: int, installments: int
) -> list[list[tuple[str, int]]]:
    """Each installment's spread fees by fee name, in the rules' order."""
    per_rule = [
        (rule.name, split_exactly(fee_amount(rule, principal), [1] * installments))  # odd first
        for rule in rules
        if rule.timing is FeeTiming.SPREAD
    ]
    return [[(name, parts[n]) for name, parts in per_rule] for n in range(installments)]


def fees_paid_by_name(
    parts: Sequence[tuple[str, int]], *, paid_before: int, paid_now: int
) -> dict[str, int]:
    """Which of an installment's fees (`parts`, in the rules' order) a payment of `paid_now`
    settles after `paid_before` was paid: each fee in turn, so every unit has one name. What
    exceeds the parts is named ""."""
    paid: dict[str, int] = {}
    start, end, offset = paid_before, paid_before + paid_now, 0
    for name, part in parts:
        taken = max(min(end, offset + part) - max(start, offset), 0)
        if taken:
            paid[name] = paid.get(name, 0) + taken
        offset += part
    beyond = paid_now - sum(paid.values())
    if beyond:
        paid[""] = beyond
    return paid
