"""Annual percentage rate of a schedule: the monthly internal rate of return times twelve.

This is the actuarial method with unit monthly periods (as in US Regulation Z, Appendix J):
the rate at which the present value of the installments equals the amount lent. Unlike the
nominal rate it shows what bullet and interest-only loans really cost.
"""

import decimal
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

APR_DECIMALS = 4  # 0.0435 = 4.35 %
_CONTEXT = decimal.Context(prec=34)
_RATE_TOLERANCE = Decimal("1e-16")  # far below the 1e-4 / 12 the APR is rounded to
_MAX_ITERATIONS = 200


def monthly_irr(amount_lent: int, payments: Sequence[int], guess: Decimal = Decimal(0)) -> Decimal:
    """The monthly rate i >= 0 with sum(payments[k] / (1+i)^(k+1)) == amount_lent."""
    if amount_lent <= 0 or sum(payments) < amount_lent:
        raise ValueError("payments must repay at least the amount lent")
    c = _CONTEXT
    # The present value falls monotonically in i, so a bracket [low, high] always holds the
    # root; Newton's step is taken when it stays inside, bisection otherwise.
    low, high = Decimal(0), None
    rate = guess
    for _ in range(_MAX_ITERATIONS):
        value, slope = _present_value_and_slope(payments, rate)
        excess = c.subtract(value, amount_lent)
        if excess == 0:
            return rate
        if excess > 0:
            low = rate
        else:
            high = rate
        candidate = c.subtract(rate, c.divide(excess, slope)) if slope else rate
        if candidate <= low or (high is not None and candidate >= high):
            candidate = c.multiply(low + high, Decimal("0.5")) if high is not None else low * 2 + 1
        if abs(candidate - rate) < _RATE_TOLERANCE:
            return candidate
        rate = candidate
    raise ArithmeticError(f"the IRR did not converge in {_MAX_ITERATIONS} iterations")


def annual_percentage_rate(
    amount_lent: int, payments: Sequence[int], nominal_monthly_rate: Decimal = Decimal(0)
) -> Decimal:
    """12 × the monthly IRR, rounded half-up to APR_DECIMALS decimals."""
    irr = monthly_irr(amount_lent, payments, guess=nominal_monthly_rate)
    return (irr * 12).quantize(Decimal(1).scaleb(-APR_DECIMALS), rounding=ROUND_HALF_UP)


def _present_value_and_slope(payments: Sequence[int], rate: Decimal) -> tuple[Decimal, Decimal]:
    """PV(i) = Σ p_k (1+i)^-k and its derivative dPV/di = −Σ k p_k (1+i)^-(k+1)."""
    c = _CONTEXT
    discount = c.divide(1, c.add(1, rate))
    factor = Decimal(1)
    value = Decimal(0)
    weighted = Decimal(0)
    for k, payment in enumerate(payments, start=1):
        factor = c.multiply(factor, discount)
        term = c.multiply(payment, factor)
        value = c.add(value, term)
        weighted = c.add(weighted, c.multiply(k, term))
    return value, -c.multiply(weighted, discount)
