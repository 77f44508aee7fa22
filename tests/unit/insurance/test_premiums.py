"""Premium rules: percent half-up, fixed, by grade, by return rate, always within bounds."""

from __future__ import annotations

from fractions import Fraction
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.insurance.errors import ProductNotOnSale
from domain.insurance.premiums import PremiumBasis, PremiumRule, RateBand, premium

BANDS = (RateBand(500, 200), RateBand(1500, 500), RateBand(10_000, 900))


def test_a_percent_premium_rounds_half_up() -> None:
    rule = PremiumRule(PremiumBasis.PERCENT, basis_points=150)
    assert premium(rule, insured=1_000_000) == 15_000
    assert premium(rule, insured=100) == 2  # 1.5 rounds up
    assert premium(rule, insured=99) == 1  # 1.485 rounds down


def test_a_fixed_premium_ignores_the_amount() -> None:
    rule = PremiumRule(PremiumBasis.FIXED, amount=350)
    assert premium(rule, insured=1) == premium(rule, insured=10**9) == 350


def test_a_premium_by_grade_prices_only_the_grades_it_names() -> None:
    rule = PremiumRule(PremiumBasis.BY_GRADE, by_grade=MappingProxyType({"A": 100, "B": 200}))
    assert premium(rule, insured=10_000, grade="B") == 200
    with pytest.raises(ProductNotOnSale):
        premium(rule, insured=10_000, grade="E")


def test_a_premium_by_return_rate_takes_the_band_of_the_rate() -> None:
    rule = PremiumRule(PremiumBasis.BY_RETURN_RATE, bands=BANDS)
    assert [premium(rule, insured=9_900, return_rate_bps=r) for r in (0, 500, 501, 10_000)] == [
        200,
        200,
        500,
        900,
    ]
    assert premium(rule, insured=9_900) == 200  # a merchant with no sales yet


def test_rules_that_cannot_price_say_why() -> None:
    assert PremiumRule(PremiumBasis.PERCENT).problems()
    assert PremiumRule(PremiumBasis.FIXED).problems()
    assert PremiumRule(PremiumBasis.BY_GRADE).problems()
    assert PremiumRule(PremiumBasis.BY_RETURN_RATE, bands=BANDS[:2]).problems()
    assert PremiumRule(PremiumBasis.FIXED, amount=1, minimum=5, maximum=4).problems()
    assert PremiumRule(PremiumBasis.BY_RETURN_RATE, bands=BANDS).problems() == []


@given(
    insured=st.integers(1, 10**13),
    bps=st.integers(1, 10_000),
    minimum=st.integers(0, 10**6),
    extra=st.none() | st.integers(0, 10**7),
)
def test_a_percent_premium_is_its_exact_rate_within_its_bounds(
    insured: int, bps: int, minimum: int, extra: int | None
) -> None:
    maximum = None if extra is None else max(minimum, 1) + extra
    rule = PremiumRule(PremiumBasis.PERCENT, basis_points=bps, minimum=minimum, maximum=maximum)
    assert rule.problems() == []

    charged = premium(rule, insured=insured)

    exact = Fraction(insured * bps, 10_000)
    assert charged >= minimum
    assert maximum is None or charged <= maximum
    if minimum <= exact and (maximum is None or exact <= maximum):
        assert abs(charged - exact) <= Fraction(1, 2)
