"""How much one investor may put into equity campaigns over a rolling 12 months (pure).

Reg CF's shape, with the amounts in the platform's currency and kept as versioned data (like
the BNPL limits): when the investor's declared annual income or net worth is below the
threshold, the limit is the greater of the floor and 5 % of the greater of the two; when
both are at or above it, 10 % of the greater, capped. Every equity pledge the investor
holds or was captured in the 12 months counts, across all campaigns.

The rule also carries the issuer's cap: what one business may offer through equity
campaigns in 12 months.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from domain.money import Money


class LimitBasis(Enum):
    FLOOR = "FLOOR"  # the floor: more than 5 % of income or net worth
    LOW_PERCENT = "LOW_PERCENT"  # 5 % of the greater of income and net worth
    HIGH_PERCENT = "HIGH_PERCENT"  # 10 % of the greater of the two
    CAP = "CAP"  # the cap on what anyone may invest


@dataclass(frozen=True, slots=True)
class InvestorLimitRule:
    version: str
    currency: str
    floor: int
    threshold: int
    low_percent: int  # of the greater of income and net worth, below the threshold
    high_percent: int  # at or above it
    cap: int
    issuer_cap: int  # what one issuer may offer in 12 months
    window_days: int = 365


LIMITS_2026_12_V1 = InvestorLimitRule(
    version="cf-investor-limits-2026-12-v1",
    currency="CNY",
    floor=2_000_000,  # 20,000.00
    threshold=80_000_000,  # 800,000.00
    low_percent=5,
    high_percent=10,
    cap=80_000_000,
    issuer_cap=3_500_000_000,  # 35,000,000.00
)
CURRENT_LIMITS = LIMITS_2026_12_V1


@dataclass(frozen=True, slots=True)
class InvestorLimit:
    amount: Money
    basis: LimitBasis


def investor_limit(*, annual_income: int, net_worth: int, rule: InvestorLimitRule) -> InvestorLimit:
    """The 12-month limit of an investor who declared `annual_income` and `net_worth`."""
    if annual_income < 0 or net_worth < 0:
        raise ValueError("income and net worth are never negative")
    greater = max(annual_income, net_worth)

    def of(percent: int) -> int:  # rounded down: a limit never exceeds its percent
        return int(Fraction(greater * percent, 100))

    if annual_income < rule.threshold or net_worth < rule.threshold:
        low = of(rule.low_percent)
        amount, basis = (
            (low, LimitBasis.LOW_PERCENT) if low > rule.floor else (rule.floor, LimitBasis.FLOOR)
        )
    else:
        amount, basis = of(rule.high_percent), LimitBasis.HIGH_PERCENT
    if amount >= rule.cap:
        amount, basis = rule.cap, LimitBasis.CAP
    return InvestorLimit(Money(amount, rule.currency), basis)


@dataclass(frozen=True, slots=True)
class LimitCheck:
    limit: InvestorLimit
    invested: Money  # in the window, before this investment
    room: Money  # what may still be invested

    @property
    def allowed(self) -> bool:
        return self.room.minor >= 0


def check_investment(limit: InvestorLimit, *, invested: int, amount: int) -> LimitCheck | None:
    """None when `amount` fits beside what was `invested` in the window; else the check that
    refuses it, with the room left (never below zero)."""
    if amount <= 0 or invested < 0:
        raise ValueError("an investment is positive and what was invested is not negative")
    currency = limit.amount.currency
    room = max(limit.amount.minor - invested, 0)
    if amount <= room:
        return None
    return LimitCheck(limit, Money(invested, currency), Money(room, currency))
