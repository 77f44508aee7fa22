"""Catching a late installment up: whatever days the job runs on, the penalty charged adds up
to lending's penalty to date, and the bucket is lending's."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.consumer_credit.overdue import catch_up
from domain.lending.overdue import DelinquencyBucket, bucket_for, penalty_to_date

DUE = date(2027, 1, 31)
RATE = Decimal("0.0005")


@given(
    principal=st.integers(0, 10**9),
    grace=st.integers(0, 10),
    run_days=st.lists(st.integers(0, 150), max_size=12),
    last=st.integers(0, 150),
)
def test_the_penalty_charged_on_any_days_adds_up_to_the_penalty_to_date(
    principal: int, grace: int, run_days: list[int], last: int
) -> None:
    # given the job running on some days (maybe skipping many, maybe twice on one) up to `last`
    days = sorted(set(run_days) | {last})
    charged, aged_on = 0, None
    for day in (d for d in days if d <= last):
        on = DUE + timedelta(days=day)
        caught = catch_up(
            due_date=DUE,
            last_aged=aged_on,
            on=on,
            overdue_principal=principal,
            daily_rate=RATE,
            grace_days=grace,
        )
        charged += caught.penalty
        aged_on = on

    # then it charged exactly lending's penalty for `last` days late, in lending's bucket
    assert charged == penalty_to_date(principal, RATE, days_late=last, grace_days=grace)
    assert caught.days_past_due == last
    assert caught.bucket is bucket_for(last)


def test_a_second_run_the_same_day_charges_nothing_and_before_the_due_date_nothing_is_late() -> (
    None
):
    day_40 = DUE + timedelta(days=40)
    caught = catch_up(
        due_date=DUE,
        last_aged=day_40,
        on=day_40,
        overdue_principal=10_000,
        daily_rate=RATE,
        grace_days=3,
    )
    assert (caught.penalty, caught.bucket) == (0, DelinquencyBucket.DPD_31_60)
    early = catch_up(
        due_date=DUE,
        last_aged=None,
        on=DUE - timedelta(days=2),
        overdue_principal=10_000,
        daily_rate=RATE,
        grace_days=3,
    )
    assert (early.days_past_due, early.penalty, early.bucket) == (0, 0, DelinquencyBucket.CURRENT)
