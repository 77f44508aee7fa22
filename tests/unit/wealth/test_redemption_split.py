"""T+0 within what is left of the day's quota, the rest T+1; business days for T+1."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.wealth.business_days import CURRENT_CALENDAR
from domain.wealth.caps import CURRENT_CAPS, CapBroken, subscription_room
from domain.wealth.redemption import Speed, split_redemption

AMOUNTS = st.integers(min_value=1, max_value=10**12)


def test_an_instant_redemption_beyond_the_quota_is_split() -> None:
    split = split_redemption(15_000_00, speed=Speed.INSTANT, quota_left=10_000_00)
    assert (split.instant, split.pending) == (10_000_00, 5_000_00)
    assert split_redemption(500, speed=Speed.STANDARD, quota_left=10_000).instant == 0


@given(AMOUNTS, st.integers(min_value=0, max_value=10**12), st.sampled_from(Speed))
def test_the_parts_sum_to_the_amount(amount: int, quota: int, speed: Speed) -> None:
    split = split_redemption(amount, speed=speed, quota_left=quota)
    assert split.amount == amount
    assert split.instant + split.pending == amount
    assert 0 <= split.instant <= quota
    assert split.pending == 0 or speed is Speed.STANDARD or split.instant == quota


def test_a_fridays_and_a_saturdays_pending_redemption_are_paid_on_monday() -> None:
    friday, saturday, monday = date(2026, 12, 11), date(2026, 12, 12), date(2026, 12, 14)
    assert CURRENT_CALENDAR.next_business_day(friday) == monday
    assert CURRENT_CALENDAR.next_business_day(saturday) == monday
    assert CURRENT_CALENDAR.next_business_day(date(2026, 12, 31)) == date(2027, 1, 4)


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)))
def test_the_next_business_day_skips_only_days_off(day: date) -> None:
    following = CURRENT_CALENDAR.next_business_day(day)
    assert following > day
    assert CURRENT_CALENDAR.is_business_day(following)
    between = day + timedelta(days=1)
    while between < following:
        assert not CURRENT_CALENDAR.is_business_day(between)
        between += timedelta(days=1)


@given(st.integers(0, 2 * 10**8), st.integers(0, 3 * 10**7), AMOUNTS)
def test_a_subscription_fits_only_within_both_caps(held: int, bought: int, amount: int) -> None:
    caps = CURRENT_CAPS
    room = subscription_room(caps, held=held, bought_today=bought, amount=amount)
    fits = held + amount <= caps.holding_cap and bought + amount <= caps.daily_purchase_cap
    assert (room.broken is None) == fits
    if room.broken is CapBroken.HOLDING:
        assert held + amount > caps.holding_cap
    if room.broken is CapBroken.DAILY_PURCHASE:
        assert bought + amount > caps.daily_purchase_cap
    assert room.room >= 0
