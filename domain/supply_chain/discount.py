"""Early payment of a receivable: discount, service fee, net and implied APR (pure).

Day count actual/365: days = due date - value date (calendar days, the value date counted,
the due date not). discount = amount x annual rate x days / 365, computed exactly as a
fraction and rounded half-up once to the minor unit; fee = `fees.service_fee` on the
amount. The holder receives net = amount - discount - fee; the financier pays
amount - discount and is paid the amount at maturity. The implied APR is what the holder
pays for the money it gets early, as a simple annual rate on what it receives:
(discount + fee) / net x 365 / days, rounded half-up to APR_DECIMALS decimals. A certificate
bought in parts by several offers is quoted part by part, and `total_quote` sums them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from domain.money import round_half_up
from domain.supply_chain.fees import service_fee

DAYS_IN_YEAR = 365
APR_DECIMALS = 4  # 0.0612 = 6.12 %
RATE_DECIMALS = 6  # a blended discount rate, as rates are stored


@dataclass(frozen=True, slots=True)
class EarlyPaymentQuote:
    amount: int  # the face amount, paid at maturity
    days: int  # to maturity, actual/365
    annual_rate: Decimal  # the financier's discount rate
    discount: int  # what the financier earns
    fee: int  # the platform's service fee
    net: int  # what the holder receives now
    implied_apr: Decimal
    fee_basis_points: int

    @property
    def price(self) -> int:
        """What the financier pays now: net to the holder plus the fee."""
        return self.amount - self.discount


def days_to_maturity(value_date: date, due_date: date) -> int:
    return (due_date - value_date).days


def discount_of(amount: int, annual_rate: Decimal, days: int) -> int:
    """amount x rate x days / 365, half-up, exact."""
    return round_half_up(Fraction(amount) * Fraction(annual_rate) * days / DAYS_IN_YEAR)


def implied_apr_exact(*, net: int, cost: int, days: int) -> Fraction:
    return Fraction(cost * DAYS_IN_YEAR, net * days)


def quote_early_payment(
    *, amount: int, annual_rate: Decimal, value_date: date, due_date: date, fee_basis_points: int
) -> EarlyPaymentQuote:
    """The quote for paying `amount` due on `due_date` on `value_date` instead.

    ValueError when nothing is left to discount (due today or past) or nothing would be left
    to pay (net not positive); the use cases turn these into typed refusals first."""
    days = days_to_maturity(value_date, due_date)
    if days <= 0:
        raise ValueError("a matured receivable is paid, not discounted")
    if amount <= 0 or not Decimal(0) <= annual_rate <= Decimal(1):
        raise ValueError("a positive amount and an annual rate within 0..1")
    discount = discount_of(amount, annual_rate, days)
    fee = service_fee(amount, fee_basis_points)
    net = amount - discount - fee
    if net <= 0:
        raise ValueError("the discount and fee leave nothing to pay")
    return EarlyPaymentQuote(
        amount=amount,
        days=days,
        annual_rate=annual_rate,
        discount=discount,
        fee=fee,
        net=net,
        implied_apr=_rounded(implied_apr_exact(net=net, cost=discount + fee, days=days)),
        fee_basis_points=fee_basis_points,
    )


def total_quote(parts: Sequence[EarlyPaymentQuote]) -> EarlyPaymentQuote:
    """The quotes of a certificate's parts, bought by several offers, as one: amounts,
    discounts, fees and nets are the parts' sums (each part rounded once, so the total is
    exactly what moves); the rate is the amount-weighted mean (RATE_DECIMALS, half-up); the
    implied APR is the totals'."""
    if not parts or len({(p.days, p.fee_basis_points) for p in parts}) != 1:
        raise ValueError("the parts of one certificate: same days to maturity, same fee")
    amount = sum(p.amount for p in parts)
    discount, fee = sum(p.discount for p in parts), sum(p.fee for p in parts)
    net, days = amount - discount - fee, parts[0].days
    weighted = Fraction(sum(Fraction(p.annual_rate) * p.amount for p in parts), amount)
    rate = _rounded(weighted, RATE_DECIMALS)
    return EarlyPaymentQuote(
        amount=amount,
        days=days,
        annual_rate=rate,
        discount=discount,
        fee=fee,
        net=net,
        implied_apr=_rounded(implied_apr_exact(net=net, cost=discount + fee, days=days)),
        fee_basis_points=parts[0].fee_basis_points,
    )


def _rounded(exact: Fraction, decimals: int = APR_DECIMALS) -> Decimal:
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP
    )
