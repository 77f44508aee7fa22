"""The merchant discount rate: percent rounded half-up plus a fixed part, capped at the amount."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import Money
from domain.payments.fees import FeePlan, fee_plan_violations, mdr_fee


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def make_plan(percent: str = "0.6", fixed: int = 0) -> FeePlan:
    return FeePlan(Decimal(percent), cny(fixed))


percents = st.integers(min_value=0, max_value=10_000).map(lambda bp: Decimal(bp) / 100)


@pytest.mark.parametrize(
    ("amount", "plan", "expected"),
    [
        (10_000, make_plan("0.6"), 60),  # 100.00 at 0.6 % = 0.60
        (250, make_plan("0.6"), 2),  # 1.5 rounds half up to 2
        (249, make_plan("0.6"), 1),  # 1.494 rounds down
        (10_000, make_plan("2.9", fixed=30), 320),  # Stripe-like 2.9 % + 0.30
        (100, make_plan("0.6", fixed=200), 100),  # never more than the amount
        (0, make_plan("2.9", fixed=30), 0),
        (12_345, make_plan("0", fixed=0), 0),
    ],
)
def test_the_fee_is_the_rounded_percent_plus_the_fixed_part(
    amount: int, plan: FeePlan, expected: int
) -> None:
    assert mdr_fee(cny(amount), plan) == cny(expected)


@given(
    st.integers(min_value=0, max_value=10**15),
    percents,
    st.integers(min_value=0, max_value=10**6),
)
def test_the_fee_is_half_up_and_never_above_the_amount(
    amount: int, percent: Decimal, fixed: int
) -> None:
    # when
    fee = mdr_fee(cny(amount), FeePlan(percent, cny(fixed))).minor

    # then
    exact = Fraction(amount) * Fraction(percent) / 100
    assert fee == min(math.floor(exact + Fraction(1, 2)) + fixed, amount)
    assert 0 <= fee <= amount


def test_a_plan_is_refused_field_by_field() -> None:
    assert fee_plan_violations(FeePlan(Decimal("100.01"), cny(-1))) == [
        ("percent", "must be within 0..100"),
        ("fixed", "must not be negative"),
    ]
    assert fee_plan_violations(make_plan("0.6", fixed=30)) == []
    with pytest.raises(ValueError, match="percent"):
        mdr_fee(cny(100), make_plan("-1"))


def test_the_fee_is_in_the_currency_of_the_payment() -> None:
    with pytest.raises(ValueError, match="USD"):
        mdr_fee(cny(100), FeePlan(Decimal(1), Money(30, "USD")))
