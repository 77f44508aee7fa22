"""Debt transfer (the secondary market): what a note may be listed at, and the seller's fee.

A note's fair value on a date is its outstanding principal plus the interest accrued in the
current period (accrual.py: what the seller has earned but not yet received). A listing may
ask at most that plus a premium cap, and — when the product sets a floor — no less than a
share of the outstanding principal. The buyer pays the price; the seller receives it less
the transfer fee, which is platform revenue; future repayments go to the buyer.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from domain.money import round_half_up


@dataclass(frozen=True, slots=True)
class TransferRules:
    max_premium: Decimal = Decimal(0)  # of the outstanding principal, above fair value
    min_price_share: Decimal | None = None  # of the outstanding principal; None: no floor
    fee_rate: Decimal = Decimal(0)  # of the price, paid by the seller
    min_fee: int = 0

    def problems(self) -> list[str]:
        problems = []
        if not Decimal(0) <= self.max_premium <= Decimal(1):
            problems.append("max_premium must be within 0..1")
        if self.min_price_share is not None and not Decimal(0) < self.min_price_share <= 1:
            problems.append("min_price_share must be within 0..1 and above 0")
        if not Decimal(0) <= self.fee_rate < Decimal(1) or self.min_fee < 0:
            problems.append("fee_rate must be within 0..1 and min_fee not negative")
        return problems


@dataclass(frozen=True, slots=True)
class PriceBounds:
    low: int
    high: int

    def admits(self, price: int) -> bool:
        return self.low <= price <= self.high


@dataclass(frozen=True, slots=True)
class TransferSettlement:
    price: int  # what the buyer pays
    fee: int  # the platform's
    seller_receives: int


def price_bounds(outstanding_principal: int, accrued: int, rules: TransferRules) -> PriceBounds:
    """The prices a note with this principal and accrued interest may be listed at."""
    if outstanding_principal <= 0 or accrued < 0:
        raise ValueError("only a note with principal outstanding can be sold")
    high = outstanding_principal + accrued + _share(outstanding_principal, rules.max_premium)
    share = rules.min_price_share
    low = 1 if share is None else max(_share(outstanding_principal, share), 1)
    return PriceBounds(min(low, high), high)


def transfer_fee(price: int, rules: TransferRules) -> int:
    """The seller's fee on a sale at `price`: the rate (half-up), at least the minimum,
    never more than the price."""
    return min(max(_share(price, rules.fee_rate), rules.min_fee), price)


def settle_transfer(price: int, rules: TransferRules) -> TransferSettlement:
    fee = transfer_fee(price, rules)
    return TransferSettlement(price=price, fee=fee, seller_receives=price - fee)


def _share(amount: int, fraction: Decimal) -> int:
    return round_half_up(amount * Fraction(fraction))
