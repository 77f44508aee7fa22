"""Clocks: the domain reads time only from a clock it is given, always timezone-aware."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from domain.clock import Clock, FixedClock, SystemClock, today

BEIJING = timezone(timedelta(hours=8))


def make_clock(at: datetime | None = None) -> FixedClock:
    return FixedClock(at or datetime(2024, 1, 15, 9, 30, tzinfo=UTC))


def test_fixed_clock_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2024, 1, 15, 9, 30))


def test_fixed_clock_shows_the_time_it_is_set_to() -> None:
    # given
    clock = make_clock()

    # when
    clock.set(datetime(2024, 3, 1, tzinfo=UTC))

    # then
    assert clock.now() == datetime(2024, 3, 1, tzinfo=UTC)
    assert clock.now() == clock.now()


def test_system_clock_is_aware_utc_and_moves() -> None:
    # given
    clock: Clock = SystemClock()
    before = datetime.now(UTC)

    # when
    now = clock.now()

    # then
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)


def test_today_is_the_date_on_the_given_clock() -> None:
    # given
    clock = make_clock(datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC))

    # when / then
    assert today(clock) == date(2024, 2, 29)
    clock.set(datetime(2024, 3, 1, 0, 0, tzinfo=UTC))
    assert today(clock) == date(2024, 3, 1)


def test_setting_a_fixed_clock_to_a_naive_datetime_is_refused() -> None:
    # given
    clock = make_clock()

    # when / then
    with pytest.raises(ValueError, match="aware"):
        clock.set(datetime(2024, 3, 1))


def test_today_is_the_utc_date_whatever_zone_the_clock_shows() -> None:
    # given: 01:00 on Jan 1 in Beijing is still Dec 31 in UTC
    clock = make_clock(datetime(2024, 1, 1, 1, 0, tzinfo=BEIJING))

    # when / then
    assert today(clock) == date(2023, 12, 31)


def test_advancing_a_fixed_clock_moves_it_forward() -> None:
    clock = make_clock(datetime(2024, 1, 31, 23, 0, tzinfo=UTC))

    clock.advance(timedelta(hours=2))

    assert clock.now() == datetime(2024, 2, 1, 1, 0, tzinfo=UTC)
    assert today(clock) == date(2024, 2, 1)
