"""Settlement batches: T+1, daily or weekly, minimum payout with carry-over, exact totals."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import Money
from domain.payments.settlement import (
    EntryKind,
    PayoutFrequency,
    PayoutSchedule,
    SettlementEntry,
    entries_due,
    is_payout_day,
    settle_merchant,
)

MONDAY = date(2026, 11, 30)
DAILY = PayoutSchedule(minimum_payout=Money(10_000, "CNY"))
WEEKLY_ON_FRIDAY = PayoutSchedule(
    minimum_payout=Money(0, "CNY"), frequency=PayoutFrequency.WEEKLY, weekday=4
)


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def make_entry(
    kind: EntryKind = EntryKind.PAYMENT,
    *,
    gross: int = 10_000,
    fee: int = 60,
    splits: int = 200,
    on: date = MONDAY,
    reference: str = "pay-1",
) -> SettlementEntry:
    return SettlementEntry(kind, reference, on, cny(gross), cny(fee), cny(splits))


entries = st.builds(
    make_entry,
    st.sampled_from(EntryKind),
    gross=st.integers(0, 10**9),
    fee=st.integers(0, 10**6),
    splits=st.integers(0, 10**6),
    on=st.dates(MONDAY - timedelta(days=30), MONDAY - timedelta(days=1)),
).filter(lambda e: e.fee.minor + e.splits.minor <= e.gross.minor)


def test_a_batch_sums_payments_and_refunds_into_gross_fees_refunds_splits_and_net() -> None:
    # given two sales and a refund of part of the first (fee and split reversed with it)
    sold = [make_entry(reference="p1"), make_entry(gross=5_000, fee=30, splits=0, reference="p2")]
    refund = make_entry(EntryKind.REFUND, gross=2_500, fee=15, splits=50, reference="r1")

    # when
    batch = settle_merchant(
        merchant_id="m-1",
        entries=[*sold, refund],
        on=MONDAY + timedelta(days=1),
        schedule=DAILY,
        carried_in=cny(0),
    )

    # then
    assert (batch.gross, batch.refunds, batch.fees, batch.splits) == (
        cny(15_000),
        cny(2_500),
        cny(75),
        cny(150),
    )
    assert batch.net == cny(15_000 - 2_500 - 75 - 150)
    assert (batch.payout, batch.carried_out) == (batch.net, cny(0))


def test_below_the_minimum_payout_everything_is_carried_over() -> None:
    # given a day's net of 97.40 with a 100.00 minimum
    entry = make_entry()
    day = MONDAY + timedelta(days=1)

    # when
    first = settle_merchant(
        merchant_id="m-1", entries=[entry], on=day, schedule=DAILY, carried_in=cny(0)
    )
    second = settle_merchant(
        merchant_id="m-1",
        entries=[make_entry(on=day)],
        on=day + timedelta(days=1),
        schedule=DAILY,
        carried_in=first.carried_out,
    )

    # then the second day pays both
    assert (first.payout, first.carried_out) == (cny(0), cny(9_740))
    assert (second.payout, second.carried_out) == (cny(19_480), cny(0))


def test_refunds_beyond_sales_carry_a_negative_balance() -> None:
    refund = make_entry(EntryKind.REFUND, gross=10_000, fee=60, splits=200)
    batch = settle_merchant(
        merchant_id="m-1",
        entries=[refund],
        on=MONDAY + timedelta(days=1),
        schedule=PayoutSchedule(minimum_payout=cny(0)),
        carried_in=cny(1_000),
    )
    assert (batch.net, batch.payout, batch.carried_out) == (cny(-9_740), cny(0), cny(-8_740))


def test_entries_are_payable_from_t_plus_one() -> None:
    today = make_entry(on=MONDAY, reference="today")
    yesterday = make_entry(on=MONDAY - timedelta(days=1), reference="yesterday")
    assert entries_due([today, yesterday], on=MONDAY, schedule=DAILY) == [yesterday]
    with pytest.raises(ValueError, match="not payable yet"):
        settle_merchant(
            merchant_id="m-1", entries=[today], on=MONDAY, schedule=DAILY, carried_in=cny(0)
        )


def test_a_weekly_merchant_is_paid_on_its_weekday_only() -> None:
    days = [MONDAY + timedelta(days=n) for n in range(7)]
    assert [is_payout_day(day, WEEKLY_ON_FRIDAY) for day in days] == [
        False,
        False,
        False,
        False,
        True,
        False,
        False,
    ]
    with pytest.raises(ValueError, match="not a payout day"):
        settle_merchant(
            merchant_id="m-1",
            entries=[],
            on=MONDAY,
            schedule=WEEKLY_ON_FRIDAY,
            carried_in=cny(0),
        )


@given(st.lists(entries, max_size=30), st.integers(-(10**6), 10**6), st.integers(0, 10**7))
def test_what_comes_in_is_paid_out_or_carried_over_to_the_unit(
    batch_entries: list[SettlementEntry], carried: int, minimum: int
) -> None:
    # when
    batch = settle_merchant(
        merchant_id="m-1",
        entries=batch_entries,
        on=MONDAY,
        schedule=PayoutSchedule(minimum_payout=cny(minimum)),
        carried_in=cny(carried),
    )

    # then
    assert batch.net == batch.gross - batch.refunds - batch.fees - batch.splits
    assert batch.payout + batch.carried_out == batch.carried_in + batch.net
    assert batch.payout.minor == 0 or batch.payout.minor >= max(minimum, 1)
    assert batch.payout.minor >= 0
    if batch.carried_in.minor + batch.net.minor >= max(minimum, 1):
        assert batch.carried_out == cny(0)
