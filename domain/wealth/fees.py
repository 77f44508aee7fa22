"""The fund's daily fees: management (管理费) and custody, accrued on assets (pure).

A day's fee is the previous day's closing assets x the annual rate / 365 (always 365, leap
years too, as the fund's rule is written), rounded half-up to the minor unit, every day on
its own: the fees of a period are the sum of its days'. The published income per 10,000
units is net of fees, as money-market funds publish it, so a fee is paid out of the fund's
earnings, never out of the holders' units.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from domain.money import round_half_up

DAYS_IN_YEAR = 365
MAX_ANNUAL_RATE = Decimal("0.05")  # 5 % a year: above that it is a typo, not a fee


def check_annual_rate(annual_rate: Decimal) -> Fraction:
    """The rate as an exact fraction; ValueError unless 0 <= rate <= 5 %, 6 places at most."""
    if not annual_rate.is_finite() or not Decimal(0) <= annual_rate <= MAX_ANNUAL_RATE:
        raise ValueError("an annual fee rate is between 0 and 5 %")
    if annual_rate != annual_rate.quantize(Decimal("0.000001")):
        raise ValueError("an annual fee rate has at most 6 decimal places")
    return Fraction(annual_rate)


def daily_fee(assets: int, annual_rate: Decimal) -> int:
    """One day's fee on `assets` (the previous day's closing assets, minor units)."""
    if assets < 0:
        raise ValueError("assets are never negative")
    return round_half_up(assets * check_annual_rate(annual_rate) / DAYS_IN_YEAR)
