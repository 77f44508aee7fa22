"""Exact splits and half-up rounding: parts sum to the whole, each within a unit of its quota."""

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import round_half_up, split_exactly

totals = st.integers(min_value=-(10**15), max_value=10**15)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=8).filter(
    lambda weights: sum(weights) > 0
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(5, 2), 3),
        (Fraction(-5, 2), -3),
        (Fraction(249, 100), 2),
        (Fraction(251, 100), 3),
        (Fraction(7), 7),
        (Fraction(0), 0),
    ],
)
def test_round_half_up_takes_ties_away_from_zero(value: Fraction, expected: int) -> None:
    assert round_half_up(value) == expected


@given(st.fractions(max_denominator=10**6))
def test_round_half_up_is_never_more_than_half_a_unit_off(value: Fraction) -> None:
    assert abs(round_half_up(value) - value) <= Fraction(1, 2)


@given(totals, weight_lists, st.none() | st.integers(min_value=0, max_value=7))
def test_parts_sum_to_the_total_and_each_is_its_quota_rounded_down_or_up(
    total: int, weights: list[int], favoured: int | None
) -> None:
    # when
    parts = split_exactly(total, weights, favoured=favoured)

    # then
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        quota = Fraction(total * weight, sum(weights))
        assert math.floor(quota) <= part <= math.ceil(quota)


@given(st.integers(min_value=0, max_value=10**12), weight_lists)
def test_a_larger_remainder_never_gets_less_than_a_smaller_one(
    total: int, weights: list[int]
) -> None:
    parts = split_exactly(total, weights)
    quotas = [Fraction(total * weight, sum(weights)) for weight in weights]
    rounded_up = [i for i, (p, q) in enumerate(zip(parts, quotas, strict=True)) if p > q]
    rounded_down = [i for i, (p, q) in enumerate(zip(parts, quotas, strict=True)) if p < q]
    for up in rounded_up:
        for down in rounded_down:
            assert quotas[up] - math.floor(quotas[up]) >= quotas[down] - math.floor(quotas[down])


def test_ties_go_to_the_favoured_position_then_in_order() -> None:
    assert split_exactly(2, [1, 1, 1]) == [1, 1, 0]
    assert split_exactly(2, [1, 1, 1], favoured=2) == [1, 0, 1]
    assert split_exactly(-2, [1, 1, 1], favoured=2) == [-1, 0, -1]


def test_the_largest_remainder_takes_the_leftover_unit() -> None:
    # 100 by 1:2:3 -> quotas 16.67, 33.33, 50: the 0.67 remainder wins the one unit left
    assert split_exactly(100, [1, 2, 3]) == [17, 33, 50]


def test_weights_may_be_fractions() -> None:
    assert split_exactly(1000, [Fraction(1, 3), Fraction(2, 3)]) == [333, 667]


def test_nothing_to_split_among_nobody_is_allowed_but_something_is_not() -> None:
    assert split_exactly(0, [0, 0]) == [0, 0]
    with pytest.raises(ValueError, match="positive weight"):
        split_exactly(1, [0, 0])
    with pytest.raises(ValueError, match="negative"):
        split_exactly(1, [2, -1])
