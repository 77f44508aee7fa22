"""Monthly due dates: the day of month clamps to short months and never drifts."""

import calendar
import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.lending.calendar import add_months, monthly_due_dates

month_shifts = st.integers(min_value=-1200, max_value=1200)


def days_in_month(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),  # year rollover
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2025, 1, 10), -1, date(2024, 12, 10)),
        (date(2024, 5, 17), 0, date(2024, 5, 17)),
        (date(2024, 5, 17), 600, date(2074, 5, 17)),
    ],
)
def test_add_months_keeps_the_day_clamped_to_the_target_month(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


def test_due_dates_anchored_on_the_31st_come_back_to_the_31st() -> None:
    # given / when
    due_dates = monthly_due_dates(date(2024, 1, 31), 6)

    # then
    assert due_dates == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
        date(2024, 6, 30),
    ]


def test_due_dates_roll_over_the_year() -> None:
    # given / when
    due_dates = monthly_due_dates(date(2024, 11, 30), 4)

    # then
    assert due_dates == [
        date(2024, 11, 30),
        date(2024, 12, 30),
        date(2025, 1, 30),
        date(2025, 2, 28),
    ]


def test_no_due_dates_for_no_installments() -> None:
    assert monthly_due_dates(date(2024, 1, 31), 0) == []


@given(
    start=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 28)).filter(
        lambda d: d.day <= 28
    ),
    first=month_shifts,
    second=month_shifts,
)
def test_adding_months_in_two_steps_is_adding_them_at_once_below_the_29th(
    start: date, first: int, second: int
) -> None:
    assert add_months(add_months(start, first), second) == add_months(start, first + second)


@given(
    start=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    months=month_shifts,
)
def test_add_months_moves_the_calendar_month_and_clamps_only_the_day(
    start: date, months: int
) -> None:
    # given / when
    moved = add_months(start, months)

    # then
    assert (moved.year * 12 + moved.month) - (start.year * 12 + start.month) == months
    assert moved.day == min(start.day, days_in_month(moved))


@given(
    first_due=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    count=st.integers(min_value=1, max_value=600),
)
def test_due_dates_are_a_month_apart_and_keep_the_first_due_day(
    first_due: date, count: int
) -> None:
    # given / when
    due_dates = monthly_due_dates(first_due, count)

    # then
    assert len(due_dates) == count
    assert due_dates[0] == first_due
    assert all(later > earlier for earlier, later in itertools.pairwise(due_dates))
    assert all(due == add_months(first_due, n) for n, due in enumerate(due_dates))
    assert all(due.day == min(first_due.day, days_in_month(due)) for due in due_dates)
