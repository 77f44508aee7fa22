"""Largest-remainder splits and half-up rounding: exact, deterministic, fair to a unit."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.lending.rounding import half_up
from domain.lending.splits import split_by_weights, split_evenly


def test_half_up_sends_ties_away_from_zero() -> None:
    assert [half_up(Fraction(n, 2)) for n in (-3, -1, 1, 3, 5)] == [-2, -1, 1, 2, 3]
    assert half_up(Decimal("2.4999999")) == 2
    assert half_up(7) == 7


def test_the_units_left_go_to_the_largest_remainders() -> None:
    # 100 by 1:1:1 -> 33.33 each: one unit left, to the first of three equal remainders.
    assert split_by_weights(100, [1, 1, 1]) == [34, 33, 33]
    # 10 by 3:3:4 -> 3, 3, 4 exactly.
    assert split_by_weights(10, [3, 3, 4]) == [3, 3, 4]
    # 7 by 1:2 -> 2.33, 4.67: the larger remainder takes the unit.
    assert split_by_weights(7, [1, 2]) == [2, 5]


def test_equal_remainders_go_to_the_larger_weight_then_the_earlier_position() -> None:
    # 2 by 1:3 -> 0.5 and 1.5: equal remainders, the larger weight takes the unit.
    assert split_by_weights(2, [1, 3]) == [0, 2]
    # 1 by 1:1:2:2 -> remainders 1/6, 1/6, 2/6, 2/6: a tie of the two 2s, the earlier wins.
    assert split_by_weights(1, [1, 1, 2, 2]) == [0, 0, 1, 0]


def test_zero_weights_take_nothing_and_a_positive_amount_needs_a_weight() -> None:
    assert split_by_weights(5, [0, 1]) == [0, 5]
    assert split_by_weights(0, [0, 0]) == [0, 0]
    with pytest.raises(ValueError, match="zero weights"):
        split_by_weights(5, [0, 0])
    with pytest.raises(ValueError, match="negative"):
        split_by_weights(-1, [1])


def test_an_even_split_puts_the_odd_units_first() -> None:
    assert split_evenly(1001, 3) == [334, 334, 333]


@given(st.integers(0, 10**13), st.lists(st.integers(0, 10**9), min_size=1, max_size=30))
def test_parts_sum_exactly_and_each_is_within_a_unit_of_its_share(
    amount: int, weights: list[int]
) -> None:
    if sum(weights) == 0:
        weights = [*weights[:-1], 1]

    parts = split_by_weights(amount, weights)

    assert sum(parts) == amount
    for part, weight in zip(parts, weights, strict=True):
        share = Fraction(amount * weight, sum(weights))
        assert share - 1 < part < share + 1
    assert split_by_weights(amount, weights) == parts
