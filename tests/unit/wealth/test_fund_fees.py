"""Management fee: the previous day's assets x the annual rate / 365, half-up, day by day."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.wealth.fees import daily_fee

ASSETS = st.integers(min_value=0, max_value=10**13)
RATES = st.decimals(min_value=0, max_value=Decimal("0.05"), places=6)


def test_a_day_of_0_3_percent_on_a_million() -> None:
    # 1,000,000.00 x 0.003 / 365 = 8.219178... -> 8.22
    assert daily_fee(1_000_000_00, Decimal("0.003")) == 822
    assert daily_fee(0, Decimal("0.003")) == 0
    assert daily_fee(6083_33, Decimal("0.003")) == 5  # 4.99999... rounds to 5


@given(ASSETS, RATES)
def test_a_day_is_within_half_a_minor_unit_of_the_exact_fee(assets: int, rate: Decimal) -> None:
    exact = Fraction(assets) * Fraction(rate) / 365
    assert abs(daily_fee(assets, rate) - exact) <= Fraction(1, 2)


@given(st.lists(ASSETS, min_size=1, max_size=60), RATES)
def test_a_periods_fee_is_the_sum_of_its_days(days: list[int], rate: Decimal) -> None:
    total = sum(daily_fee(assets, rate) for assets in days)
    exact = sum(Fraction(a) for a in days) * Fraction(rate) / 365
    assert abs(total - exact) <= Fraction(len(days), 2)


@pytest.mark.parametrize("rate", ["-0.001", "0.051", "0.0000001"])
def test_a_rate_out_of_range_is_refused(rate: str) -> None:
    with pytest.raises(ValueError, match="annual fee rate"):
        daily_fee(100, Decimal(rate))
