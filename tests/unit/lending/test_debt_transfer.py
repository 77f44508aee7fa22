"""Debt transfer: accrued interest to a date, listing price bounds and the seller's fee."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.lending.accrual import accrued_interest
from domain.lending.debt_transfer import (
    PriceBounds,
    TransferRules,
    price_bounds,
    settle_transfer,
    transfer_fee,
)

START, DUE = date(2026, 3, 15), date(2026, 4, 15)  # a 31-day period
RULES = TransferRules(
    max_premium=Decimal("0.02"), min_price_share=Decimal("0.5"), fee_rate=Decimal("0.005")
)


def test_interest_accrues_pro_rata_by_days_within_the_period() -> None:
    assert accrued_interest(3_100, period_start=START, due_date=DUE, on=START) == 0
    assert accrued_interest(3_100, period_start=START, due_date=DUE, on=date(2026, 3, 25)) == 1_000
    assert accrued_interest(1_000, period_start=START, due_date=DUE, on=date(2026, 3, 16)) == 32
    assert accrued_interest(3_100, period_start=START, due_date=DUE, on=date(2026, 5, 1)) == 3_100
    assert accrued_interest(3_100, period_start=START, due_date=DUE, on=date(2026, 1, 1)) == 0
    with pytest.raises(ValueError, match="end after it starts"):
        accrued_interest(1, period_start=DUE, due_date=DUE, on=DUE)


def test_a_note_may_ask_up_to_principal_plus_accrued_interest_plus_the_premium_cap() -> None:
    bounds = price_bounds(1_000_000, 3_333, RULES)

    assert bounds == PriceBounds(low=500_000, high=1_000_000 + 3_333 + 20_000)
    assert bounds.admits(1_023_333)
    assert not bounds.admits(1_023_334)
    assert not bounds.admits(499_999)


def test_without_a_floor_any_positive_price_is_allowed() -> None:
    assert price_bounds(10_000, 0, TransferRules()) == PriceBounds(1, 10_000)


def test_the_seller_pays_the_fee_half_up_at_least_the_minimum_never_more_than_the_price() -> None:
    assert transfer_fee(100_100, RULES) == 501  # 500.5 rounds up
    assert transfer_fee(100, TransferRules(fee_rate=Decimal("0.01"), min_fee=500)) == 100
    settlement = settle_transfer(1_010_000, RULES)
    assert (settlement.fee, settlement.seller_receives) == (5_050, 1_004_950)


def test_rules_outside_their_ranges_are_problems() -> None:
    bad = TransferRules(max_premium=Decimal(2), min_price_share=Decimal(0), fee_rate=Decimal(1))

    assert len(bad.problems()) == 3
    assert RULES.problems() == []


@given(st.integers(0, 10**9), st.integers(1, 62), st.integers(-10, 80))
def test_accrued_interest_grows_with_the_date_and_never_passes_the_period_interest(
    interest: int, days: int, elapsed: int
) -> None:
    due = START + timedelta(days=days)
    on = START + timedelta(days=elapsed)

    today = accrued_interest(interest, period_start=START, due_date=due, on=on)
    tomorrow = accrued_interest(interest, period_start=START, due_date=due, on=on + timedelta(1))

    assert 0 <= today <= tomorrow <= interest


@given(st.integers(1, 10**10), st.integers(0, 10**8), st.integers(0, 10**4), st.integers(0, 10**4))
def test_the_bounds_hold_fair_value_and_the_settlement_is_exact(
    principal: int, accrued: int, premium_bp: int, fee_bp: int
) -> None:
    rules = TransferRules(
        max_premium=Decimal(premium_bp) / 10_000,
        min_price_share=Decimal("0.5"),
        fee_rate=Decimal(min(fee_bp, 9_999)) / 10_000,
    )

    bounds = price_bounds(principal, accrued, rules)
    settlement = settle_transfer(bounds.high, rules)

    assert 1 <= bounds.low <= principal <= principal + accrued <= bounds.high
    assert settlement.fee + settlement.seller_receives == settlement.price
    assert 0 <= settlement.fee <= settlement.price
