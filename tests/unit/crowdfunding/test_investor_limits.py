"""Equity investor limits: Reg CF's shape in the platform's currency, versioned."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.crowdfunding.investor_limits import (
    CURRENT_LIMITS,
    LimitBasis,
    check_investment,
    investor_limit,
)
from domain.money import Money

RULE = CURRENT_LIMITS
YUAN = 100


@pytest.mark.parametrize(
    ("income", "net_worth", "amount", "basis"),
    [
        (0, 0, 20_000 * YUAN, LimitBasis.FLOOR),  # nothing declared: the floor
        (300_000 * YUAN, 100_000 * YUAN, 20_000 * YUAN, LimitBasis.FLOOR),  # 5 % = 15,000
        (600_000 * YUAN, 100_000 * YUAN, 30_000 * YUAN, LimitBasis.LOW_PERCENT),  # 5 % of 600k
        (900_000 * YUAN, 700_000 * YUAN, 45_000 * YUAN, LimitBasis.LOW_PERCENT),  # one below
        (900_000 * YUAN, 800_000 * YUAN, 90_000 * YUAN, LimitBasis.HIGH_PERCENT),  # both above
        (9_000_000 * YUAN, 800_000 * YUAN, 800_000 * YUAN, LimitBasis.CAP),  # 10 % capped
    ],
)
def test_the_limit_and_what_it_rests_on(
    income: int, net_worth: int, amount: int, basis: LimitBasis
) -> None:
    limit = investor_limit(annual_income=income, net_worth=net_worth, rule=RULE)

    assert limit.amount == Money(amount, "CNY")
    assert limit.basis is basis


def test_a_refusal_says_how_much_room_is_left() -> None:
    limit = investor_limit(annual_income=0, net_worth=0, rule=RULE)

    assert check_investment(limit, invested=15_000 * YUAN, amount=5_000 * YUAN) is None
    refused = check_investment(limit, invested=15_000 * YUAN, amount=6_000 * YUAN)
    assert refused is not None
    assert refused.room == Money(5_000 * YUAN, "CNY")
    assert refused.invested == Money(15_000 * YUAN, "CNY")


@given(st.integers(0, 10**12), st.integers(0, 10**12))
def test_the_limit_is_within_floor_and_cap(income: int, net_worth: int) -> None:
    limit = investor_limit(annual_income=income, net_worth=net_worth, rule=RULE).amount.minor

    assert min(RULE.floor, RULE.cap) <= limit <= RULE.cap


@given(st.integers(0, 10**11), st.integers(0, 10**11), st.integers(0, 10**11))
def test_more_income_never_lowers_the_limit_below_the_threshold(
    income: int, more: int, net_worth: int
) -> None:
    net_worth = min(net_worth, RULE.threshold - 1)  # stays on the 5 % side
    before = investor_limit(annual_income=income, net_worth=net_worth, rule=RULE)
    after = investor_limit(annual_income=income + more, net_worth=net_worth, rule=RULE)

    assert after.amount.minor >= before.amount.minor


@given(st.integers(0, 10**9), st.integers(1, 10**9))
def test_an_investment_fits_exactly_when_it_is_within_the_room(invested: int, amount: int) -> None:
    limit = investor_limit(annual_income=0, net_worth=0, rule=RULE)

    refused = check_investment(limit, invested=invested, amount=amount)

    assert (refused is None) == (invested + amount <= RULE.floor)
