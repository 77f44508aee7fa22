"""A day's income: each holding's rounded down, the fund's rounded once, the residue exact."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.wealth.income import daily_income, earning_units, fund_income, holding_income

RATES = st.decimals(min_value=0, max_value=Decimal("99.9999"), places=4)
UNITS = st.integers(min_value=0, max_value=10**12)


def test_a_holding_earns_its_units_times_the_rate_rounded_down() -> None:
    # 10,000.00 units at 0.6512 per 10,000 earn 0.6512 -> 0.65
    assert holding_income(10_000_00, Decimal("0.6512")) == 65
    assert holding_income(1_00, Decimal("0.6512")) == 0
    assert fund_income(10_000_00, Decimal("0.6512")) == 65  # 65.12 half-up
    assert fund_income(10_000_00, Decimal("0.6550")) == 66


def test_the_residue_of_many_small_holdings_goes_to_the_fund() -> None:
    day = daily_income([1_00] * 3, Decimal("5.0000"))  # each earns 0.05 of a cent
    assert day.incomes == (0, 0, 0)
    assert (day.total, day.residue) == (0, 0)
    day = daily_income([10_000_00, 5_000_00, 33_33], Decimal("0.6543"))
    assert day.incomes == (65, 32, 0)
    assert day.total == 98  # 15,033.33 x 0.6543 / 10,000 = 0.98363...
    assert day.residue == 1


@given(st.lists(UNITS, max_size=30), RATES)
def test_incomes_and_residue_sum_to_the_funds_income(units: list[int], rate: Decimal) -> None:
    day = daily_income(units, rate)
    assert sum(day.incomes) + day.residue == day.total
    assert 0 <= day.residue <= len(units)
    assert day.distributed == sum(day.incomes)
    for held, income in zip(units, day.incomes, strict=True):
        exact = Fraction(held) * Fraction(rate) / 10_000
        assert exact - 1 < income <= exact


@given(st.lists(UNITS, max_size=30), RATES, st.randoms())
def test_the_split_does_not_depend_on_the_order(units: list[int], rate: Decimal, rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(units)
    rnd.shuffle(shuffled)
    day, again = daily_income(units, rate), daily_income(shuffled, rate)
    assert (day.total, day.residue) == (again.total, again.residue)
    assert sorted(day.incomes) == sorted(again.incomes)


@given(UNITS, UNITS, UNITS)
def test_earning_units_never_exceed_the_last_close(held: int, bought: int, redeemed: int) -> None:
    if redeemed - bought > held:
        with pytest.raises(ValueError, match="more was redeemed"):
            earning_units(held_at_last_close=held, bought_today=bought, redeemed_today=redeemed)
        return
    earning = earning_units(held_at_last_close=held, bought_today=bought, redeemed_today=redeemed)
    assert 0 <= earning <= held
    assert (earning == held) == (redeemed <= bought)


def test_money_bought_today_does_not_earn_today_and_redeemed_money_does_not_either() -> None:
    assert earning_units(held_at_last_close=0, bought_today=500, redeemed_today=0) == 0
    assert earning_units(held_at_last_close=1_000, bought_today=0, redeemed_today=300) == 700
    # redeeming what was bought the same day leaves yesterday's units earning
    assert earning_units(held_at_last_close=1_000, bought_today=300, redeemed_today=300) == 1_000


@pytest.mark.parametrize("rate", ["-0.0001", "100", "0.00001", "NaN"])
def test_a_rate_out_of_range_or_too_precise_is_refused(rate: str) -> None:
    with pytest.raises(ValueError, match="per 10,000 units"):
        holding_income(100, Decimal(rate))
