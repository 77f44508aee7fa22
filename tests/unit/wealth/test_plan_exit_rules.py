"""When a lending plan matures, when its lock-up ends and its exit deadline falls, and the
early-exit fee: calendar months with the day clamped, and a fee never more than the value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.wealth.plan_exit import (
    EXIT_DAYS,
    early_exit_fee,
    exit_deadline,
    lockup_ends,
    matures_at,
)


def test_a_plan_matures_its_term_in_calendar_months_after_its_window_closes() -> None:
    closes = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert matures_at(closes, 3) == datetime(2027, 2, 28, 16, 0, tzinfo=UTC)  # day clamped
    assert matures_at(closes, 12) == datetime(2027, 11, 30, 16, 0, tzinfo=UTC)
    assert lockup_ends(closes, 0) == closes
    assert exit_deadline(matures_at(closes, 6)) == datetime(2027, 6, 6, 16, 0, tzinfo=UTC)


def test_the_early_exit_fee_is_the_rate_half_up() -> None:
    assert early_exit_fee(3_333_33, Decimal("0.01")) == 33_33
    assert early_exit_fee(50, Decimal("0.01")) == 1  # 0.5 minor units: half-up
    assert early_exit_fee(0, Decimal("0.05")) == 0


@given(st.integers(0, 10**12), st.decimals(0, 1, places=6))
def test_the_early_exit_fee_never_exceeds_the_value(value: int, rate: Decimal) -> None:
    assert 0 <= early_exit_fee(value, rate) <= value


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)),
    st.sampled_from((3, 6, 12)),
)
def test_maturity_is_later_than_the_lock_up_and_the_deadline_a_week_after(
    naive: datetime, term: int
) -> None:
    closes = naive.replace(tzinfo=UTC)
    matures = matures_at(closes, term)
    assert closes < lockup_ends(closes, 1) <= matures
    assert exit_deadline(matures) - matures == timedelta(days=EXIT_DAYS)
    assert matures.time() == closes.time()
