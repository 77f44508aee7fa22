"""Half-up rounding of exact values to whole minor units (DESIGN.md section 3)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction


def half_up(value: Fraction | Decimal | int) -> int:
    """`value` to the nearest whole number; a tie goes away from zero. Exact for any input."""
    exact = Fraction(value)
    magnitude = math.floor(abs(exact) + Fraction(1, 2))
    return magnitude if exact >= 0 else -magnitude
