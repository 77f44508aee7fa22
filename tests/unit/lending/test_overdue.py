"""Overdue aging: days past due, buckets, penalty interest after the grace days, default."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.lending.overdue import (
    DelinquencyBucket,
    age_installment,
    bucket_for,
    daily_penalty,
    days_past_due,
    is_defaulted,
    penalty_to_date,
    reminder_due,
)

DUE = date(2026, 3, 31)
DAILY = Decimal("0.0005")


def test_days_past_due_count_from_the_day_after_the_due_date() -> None:
    assert [days_past_due(DUE, DUE + timedelta(days=d)) for d in (-5, 0, 1, 31)] == [0, 0, 1, 31]


def test_buckets_have_inclusive_upper_bounds() -> None:
    days = [0, 1, 30, 31, 60, 61, 90, 91, 400]

    assert [bucket_for(d).value for d in days] == [
        "CURRENT",
        "DPD_1_30",
        "DPD_1_30",
        "DPD_31_60",
        "DPD_31_60",
        "DPD_61_90",
        "DPD_61_90",
        "DPD_90_PLUS",
        "DPD_90_PLUS",
    ]


def test_penalty_accrues_per_day_half_up_only_after_the_grace_days() -> None:
    # 12,345.67 overdue at 0.05 % a day = 6.172835 -> 6.17 a day.
    assert daily_penalty(1_234_567, DAILY) == 617
    assert penalty_to_date(1_234_567, DAILY, days_late=3, grace_days=3) == 0
    assert penalty_to_date(1_234_567, DAILY, days_late=10, grace_days=3) == 7 * 617


def test_the_daily_job_sees_the_days_the_bucket_todays_penalty_and_default() -> None:
    in_grace = age_installment(
        due_date=DUE,
        on=DUE + timedelta(days=2),
        overdue_principal=100_000,
        daily_rate=DAILY,
        grace_days=3,
        default_days=90,
    )
    late = age_installment(
        due_date=DUE,
        on=DUE + timedelta(days=45),
        overdue_principal=100_000,
        daily_rate=DAILY,
        grace_days=3,
        default_days=90,
    )
    defaulted = age_installment(
        due_date=DUE,
        on=DUE + timedelta(days=90),
        overdue_principal=100_000,
        daily_rate=DAILY,
        grace_days=3,
        default_days=90,
    )

    assert (in_grace.days_past_due, in_grace.bucket, in_grace.penalty_today) == (
        2,
        DelinquencyBucket.DPD_1_30,
        0,
    )
    assert (late.bucket, late.penalty_today, late.defaulted) == (
        DelinquencyBucket.DPD_31_60,
        50,
        False,
    )
    assert defaulted.defaulted


def test_no_default_without_a_default_threshold() -> None:
    assert not is_defaulted(10_000, 0)


def test_reminders_go_out_three_days_and_one_day_before() -> None:
    sent = [d for d in range(-2, 8) if reminder_due(DUE, DUE - timedelta(days=d))]

    assert sent == [1, 3]


@given(
    st.integers(0, 10**10),
    st.integers(0, 100).map(lambda n: Decimal(n) / 100_000),
    st.integers(0, 1000),
    st.integers(0, 30),
)
def test_penalty_never_falls_as_days_pass(
    principal: int, rate: Decimal, days: int, grace: int
) -> None:
    today = penalty_to_date(principal, rate, days_late=days, grace_days=grace)
    tomorrow = penalty_to_date(principal, rate, days_late=days + 1, grace_days=grace)

    assert 0 <= today <= tomorrow
    assert tomorrow - today in (0, daily_penalty(principal, rate))


@given(st.integers(0, 2000), st.integers(1, 2000))
def test_buckets_and_default_never_improve_as_days_pass(days: int, default_days: int) -> None:
    order = list(DelinquencyBucket)

    assert order.index(bucket_for(days)) <= order.index(bucket_for(days + 1))
    assert is_defaulted(days, default_days) <= is_defaulted(days + 1, default_days)
