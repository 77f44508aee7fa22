"""Repayment schedules (DESIGN.md section 4): exact to the minor unit, principal sums to P.

All arithmetic is exact (fractions of minor units); each rounded step uses the chosen mode.
Two rules close the gaps rounding leaves: no installment repays more principal than is
still owed, and the last installment repays whatever remains.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import Enum
from fractions import Fraction

# Fifty years: the longest schedule a quote, a product or a loan may have.
MAX_TERM_MONTHS = 600


class RepaymentMethod(Enum):
    EQUAL_INSTALLMENT = "EQUAL_INSTALLMENT"  # 等额本息: level payment (French amortisation)
    EQUAL_PRINCIPAL = "EQUAL_PRINCIPAL"  # 等额本金: level principal, falling interest
    INTEREST_ONLY = "INTEREST_ONLY"  # 先息后本: interest monthly, principal at the end
    BULLET = "BULLET"  # 到期一次还本付息: everything at the end


class RoundingMode(Enum):
    HALF_UP = ROUND_HALF_UP
    HALF_EVEN = ROUND_HALF_EVEN


@dataclass(frozen=True, slots=True)
class ScheduledInstallment:
    number: int  # 1-based
    principal: int  # minor units
    interest: int
    remaining_principal: int  # owed after this installment is paid

    @property
    def total(self) -> int:
        return self.principal + self.interest


_CONTEXT = decimal.Context(prec=60)


def monthly_rate(annual_rate: Decimal) -> Decimal:
    """annual_rate / 12 to 60 digits: a starting guess for the APR, never used for money."""
    return _CONTEXT.divide(annual_rate, Decimal(12))


def build_schedule(
    *,
    principal: int,
    annual_rate: Decimal,
    term_months: int,
    method: RepaymentMethod,
    rounding: RoundingMode = RoundingMode.HALF_UP,
) -> list[ScheduledInstallment]:
    """The installments repaying `principal` minor units over `term_months` months."""
    if principal <= 0:
        raise ValueError("principal must be positive")
    if term_months < 1:
        raise ValueError("term must be at least one month")
    if not Decimal(0) <= annual_rate <= Decimal(1):
        raise ValueError("annual rate must be within 0..1")

    def to_minor(value: Fraction) -> int:
        return _round(value, rounding)

    # Exact, not a Decimal quotient: any finite expansion of 0.13 / 12 = 0.0108333… puts
    # 600 · r a hair below the tie 6.5, which HALF_UP must round to 7.
    rate = Fraction(annual_rate) / 12

    def interest_on(balance: int) -> int:
        return to_minor(balance * rate)

    level_principal = _level_principal(principal, rate, term_months, method, to_minor)

    installments: list[ScheduledInstallment] = []
    balance = principal
    for number in range(1, term_months + 1):
        last = number == term_months
        if method is RepaymentMethod.BULLET:
            interest = to_minor(principal * term_months * rate) if last else 0
        else:
            interest = interest_on(balance)
        repaid = balance if last else min(level_principal(interest), balance)
        balance -= repaid
        installments.append(ScheduledInstallment(number, repaid, interest, balance))
    return installments


def _level_principal(
    principal: int,
    rate: Fraction,
    term_months: int,
    method: RepaymentMethod,
    to_minor: Callable[[Fraction], int],
) -> Callable[[int], int]:
    """How much principal a non-final installment repays, given that period's interest."""
    if method in (RepaymentMethod.INTEREST_ONLY, RepaymentMethod.BULLET):
        return lambda _interest: 0
    if method is RepaymentMethod.EQUAL_PRINCIPAL or rate == 0:
        # With r = 0 the level payment is all principal: both methods agree.
        part = to_minor(Fraction(principal, term_months))
        return lambda _interest: part
    payment = to_minor(annuity_payment(principal, rate, term_months))
    return lambda interest: payment - interest


def annuity_payment(principal: int, rate: Fraction, term_months: int) -> Fraction:
    """A = P·r / (1 − (1+r)^−n), exact and unrounded; r > 0."""
    return principal * rate / (1 - (1 + rate) ** -term_months)


def _round(value: Fraction, rounding: RoundingMode) -> int:
    """`value` to a whole number; a tie goes away from zero (HALF_UP) or to even."""
    whole, rest = divmod(abs(value.numerator), value.denominator)
    tie_or_above = 2 * rest - value.denominator
    if tie_or_above > 0 or (
        tie_or_above == 0 and (rounding is RoundingMode.HALF_UP or whole % 2 == 1)
    ):
        whole += 1
    return -whole if value < 0 else whole
