"""The 7-day annualised yield of a money-market fund (pure).

The formula money-market funds publish in China (七日年化收益率), compounding the last seven
calendar days' income per 10,000 units R1..R7:

    yield = ((1 + R1/10,000) x ... x (1 + R7/10,000)) ^ (365 / 7) - 1

as a fraction (0.0245 is 2.45 %), rounded half-up to 6 places (a percentage to 4 places).
A fund with fewer than seven days of income has no 7-day yield yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Context, Decimal

DAYS = 7
DAYS_IN_YEAR = 365
PLACES = Decimal("0.000001")
_CONTEXT = Context(prec=40)


def seven_day_yield(per_ten_thousand: Sequence[Decimal]) -> Decimal | None:
    """The annualised yield of the last seven days' rates (oldest first), or None if fewer."""
    if len(per_ten_thousand) < DAYS:
        return None
    growth = Decimal(1)
    for rate in per_ten_thousand[-DAYS:]:
        if rate < 0:
            raise ValueError("a day's income per 10,000 units is never negative")
        growth = _CONTEXT.multiply(growth, _CONTEXT.add(1, _CONTEXT.divide(rate, 10_000)))
    exponent = _CONTEXT.divide(Decimal(DAYS_IN_YEAR), Decimal(DAYS))
    annual = _CONTEXT.subtract(_CONTEXT.power(growth, exponent), 1)
    return annual.quantize(PLACES, rounding=ROUND_HALF_UP)
