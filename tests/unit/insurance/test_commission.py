"""The premium's split and its refund on cancellation: exact, never more than was paid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from domain.insurance.commission import (
    PremiumSplit,
    cancellation_refund,
    days_used,
    split_premium,
)
from domain.insurance.products import Distribution, DistributionModel

PLATFORM = DistributionModel.PLATFORM
DIRECT = DistributionModel.DIRECT
START = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_platform_sales_pay_the_commission_rate_half_up() -> None:
    assert split_premium(10_000, Distribution(PLATFORM, commission_bps=1500)) == PremiumSplit(
        8_500, 1_500
    )
    assert split_premium(10, Distribution(PLATFORM, commission_bps=500)) == PremiumSplit(9, 1)


def test_direct_sales_pay_the_fee_never_more_than_the_premium() -> None:
    assert split_premium(10_000, Distribution(DIRECT, policy_fee=300)) == PremiumSplit(9_700, 300)
    assert split_premium(200, Distribution(DIRECT, policy_fee=300)) == PremiumSplit(0, 200)
    assert split_premium(200, Distribution(DIRECT)) == PremiumSplit(200, 0)


def test_days_used_count_each_started_day() -> None:
    assert days_used(START, START) == 0
    assert days_used(START, START - timedelta(hours=1)) == 0
    assert days_used(START, START + timedelta(seconds=1)) == 1
    assert days_used(START, START + timedelta(days=1)) == 1
    assert days_used(START, START + timedelta(days=1, seconds=1)) == 2


def test_inside_the_cooling_off_period_everything_comes_back() -> None:
    paid = PremiumSplit(8_500, 1_500)
    assert cancellation_refund(paid, term_days=365, used_days=7, cooling_off_days=7) == paid


def test_later_the_unused_days_come_back_commission_in_proportion() -> None:
    paid = PremiumSplit(8_500, 1_500)
    refund = cancellation_refund(paid, term_days=100, used_days=25, cooling_off_days=7)
    assert refund == PremiumSplit(6_375, 1_125)
    assert cancellation_refund(paid, term_days=100, used_days=100, cooling_off_days=7) == (
        PremiumSplit(0, 0)
    )


@given(
    premium=st.integers(0, 10**12),
    bps=st.integers(0, 10_000),
    fee=st.integers(0, 10**6),
    direct=st.booleans(),
)
def test_the_split_is_exact(premium: int, bps: int, fee: int, direct: bool) -> None:
    distribution = (
        Distribution(DIRECT, policy_fee=fee)
        if direct
        else Distribution(PLATFORM, commission_bps=bps)
    )

    split = split_premium(premium, distribution)

    assert split.total == premium
    assert split.insurer >= 0
    assert split.platform >= 0
    if not direct:
        assert abs(split.platform - Fraction(premium * bps, 10_000)) <= Fraction(1, 2)


@given(
    insurer=st.integers(0, 10**10),
    platform=st.integers(0, 10**10),
    term=st.integers(1, 3660),
    used=st.integers(0, 4000),
    cooling=st.integers(0, 30),
)
def test_a_refund_is_exact_pro_rata_and_never_more_than_was_paid(
    insurer: int, platform: int, term: int, used: int, cooling: int
) -> None:
    paid = PremiumSplit(insurer, platform)

    refund = cancellation_refund(paid, term_days=term, used_days=used, cooling_off_days=cooling)

    assert 0 <= refund.insurer <= insurer
    assert 0 <= refund.platform <= platform
    if used <= cooling:
        assert refund == paid
    else:
        exact = Fraction(paid.total * max(term - used, 0), term)
        assert abs(refund.total - exact) <= Fraction(1, 2)
        later = cancellation_refund(paid, term_days=term, used_days=used + 1, cooling_off_days=0)
        assert later.total <= refund.total
