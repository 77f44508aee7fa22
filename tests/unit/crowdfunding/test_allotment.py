"""Equity allotment: whole shares, exact to the shares offered, pro rata when oversubscribed."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.crowdfunding.allotment import allot_shares


def test_undersubscribed_everyone_gets_what_they_asked() -> None:
    assert allot_shares(shares_offered=1_000, price_per_share=100, amounts=[10_000, 5_000]) == [
        100,
        50,
    ]


def test_oversubscribed_the_shares_go_pro_rata_the_earlier_pledge_first_on_ties() -> None:
    # 3 asks of 1 share each for 2 shares: quotas 2/3 each, the two oldest get one.
    assert allot_shares(shares_offered=2, price_per_share=100, amounts=[100, 100, 100]) == [1, 1, 0]
    # 300 and 100 asked for 200: quotas 150 and 50.
    assert allot_shares(shares_offered=200, price_per_share=10, amounts=[3_000, 1_000]) == [150, 50]


def test_a_pledge_of_part_of_a_share_is_refused() -> None:
    with pytest.raises(ValueError, match="whole"):
        allot_shares(shares_offered=10, price_per_share=100, amounts=[150])


@given(
    asks=st.lists(st.integers(1, 10_000), min_size=1, max_size=50),
    shares_offered=st.integers(1, 200_000),
    price=st.integers(1, 10_000),
)
def test_allotment_is_exact_and_never_more_than_asked(
    asks: list[int], shares_offered: int, price: int
) -> None:
    amounts = [ask * price for ask in asks]

    shares = allot_shares(shares_offered=shares_offered, price_per_share=price, amounts=amounts)

    assert sum(shares) == min(shares_offered, sum(asks))
    assert all(0 <= got <= ask for got, ask in zip(shares, asks, strict=True))
    if sum(asks) > shares_offered:
        for got, ask in zip(shares, asks, strict=True):
            quota = Fraction(shares_offered * ask, sum(asks))
            assert quota - 1 < got < quota + 1
    assert sum(got * price for got in shares) <= sum(amounts)
