"""The platform's fee: rounded once on the whole, shared exactly among the pledges."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.crowdfunding.fees import CURRENT_FEES, fee_shares, platform_fee, schedule_of
from domain.crowdfunding.states import CampaignKind


def test_each_kind_has_its_rate_in_the_current_version() -> None:
    assert {kind: CURRENT_FEES.rate_of(kind) for kind in CampaignKind} == {
        CampaignKind.DONATION: 0,
        CampaignKind.REWARD: 500,
        CampaignKind.EQUITY: 700,
        CampaignKind.DEBT: 300,
    }
    assert schedule_of(CURRENT_FEES.version) is CURRENT_FEES


def test_the_fee_rounds_half_up_once() -> None:
    assert platform_fee(1_000_00, 500) == 5_000
    assert platform_fee(10, 500) == 1  # 0.5 rounds up
    assert platform_fee(9, 500) == 0  # 0.45 rounds down
    assert platform_fee(0, 500) == 0


def test_the_shares_follow_the_amounts_the_earlier_pledge_first_on_ties() -> None:
    assert fee_shares(5, [100, 100]) == [3, 2]
    assert fee_shares(5_000, [30_000, 50_000, 20_000]) == [1_500, 2_500, 1_000]


def test_a_rate_outside_0_to_100_percent_is_refused() -> None:
    with pytest.raises(ValueError, match="within"):
        platform_fee(100, 10_001)


@given(
    amounts=st.lists(st.integers(1, 10**9), min_size=1, max_size=40),
    basis_points=st.integers(0, 10_000),
)
def test_the_fee_split_is_exact_and_fair(amounts: list[int], basis_points: int) -> None:
    total = sum(amounts)
    fee = platform_fee(total, basis_points)
    shares = fee_shares(fee, amounts)

    assert sum(shares) == fee
    assert abs(fee - Fraction(total * basis_points, 10_000)) <= Fraction(1, 2)
    for amount, share in zip(amounts, shares, strict=True):
        quota = Fraction(fee * amount, total)
        assert quota - 1 < share < quota + 1
        assert 0 <= share <= amount
