"""Refund reversals: proportional, exact across several partial refunds, never beyond what is left.

The property the issue asks for: for random amounts, split rules and sequences of partial
refunds, every party's net is its share of the net captured amount within one minor unit
(strictly less than one: the exact share rounded down or up), all legs sum to zero (what the
buyer paid net = the fee kept + what the parties kept), and no refund exceeds what remains.
"""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from revenue_strategies import split_rules

from domain.money import Money
from domain.revenue.refund_reversal import (
    CapturedSplit,
    RefundExceedsRemaining,
    Reversal,
    reverse_for_refund,
    reversed_after,
)
from domain.revenue.splits import Party, Role, SplitLeg, apply_split

MERCHANT = Party(Role.MERCHANT, "m-1")
REFERRER = Party(Role.REFERRER, "r-7")


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def make_split(fee: int, *legs: tuple[Party, int]) -> CapturedSplit:
    return CapturedSplit(cny(fee), tuple(SplitLeg(party, cny(minor)) for party, minor in legs))


def amounts_of(reversal: Reversal) -> list[int]:
    return [reversal.fee.minor, *(leg.amount.minor for leg in reversal.legs)]


def received(split: CapturedSplit) -> list[int]:
    return [split.fee.minor, *(leg.amount.minor for leg in split.legs)]


@st.composite
def captured_splits(draw: st.DrawFn) -> CapturedSplit:
    amount = draw(st.integers(min_value=1, max_value=10**12))
    fee = draw(st.integers(min_value=0, max_value=amount))
    rule = draw(split_rules(amount - fee))
    return CapturedSplit(cny(fee), tuple(apply_split(cny(amount - fee), rule)))


@st.composite
def refund_sequences(draw: st.DrawFn, captured: int) -> list[int]:
    """Positive refunds totalling at most `captured`; often exactly all of it."""
    refunds: list[int] = []
    left = captured
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        if left == 0:
            break
        refunds.append(draw(st.integers(min_value=1, max_value=left)))
        left -= refunds[-1]
    if left and draw(st.booleans()):
        refunds.append(left)
    return refunds


cases = captured_splits().flatmap(
    lambda split: st.tuples(st.just(split), refund_sequences(split.captured.minor))
)


@given(cases)
def test_each_party_keeps_its_share_of_the_net_captured_within_a_unit(
    case: tuple[CapturedSplit, list[int]],
) -> None:
    # given
    split, refunds = case
    captured = split.captured.minor
    gave_back = [0] * (len(split.legs) + 1)
    refunded = 0

    for refund in refunds:
        # when
        reversal = reverse_for_refund(split, refunded_before=cny(refunded), refund=cny(refund))
        refunded += refund

        # then the refund is taken exactly from the parties, each at most one unit "negative"
        assert reversal.total == cny(refund)
        assert all(part >= -1 for part in amounts_of(reversal))
        gave_back = [a + b for a, b in zip(gave_back, amounts_of(reversal), strict=True)]
        assert gave_back == amounts_of(reversed_after(split, cny(refunded)))
        kept = [r - g for r, g in zip(received(split), gave_back, strict=True)]
        # what the buyer paid net is what the platform and the parties kept: legs sum to zero
        assert sum(kept) == captured - refunded
        for got, keeps in zip(received(split), kept, strict=True):
            assert 0 <= keeps <= got
            assert abs(keeps - Fraction(got * (captured - refunded), captured)) < 1

    if refunded == captured:
        assert gave_back == received(split)


@given(cases, st.integers(min_value=1, max_value=10**6))
def test_no_refund_exceeds_what_remains(case: tuple[CapturedSplit, list[int]], extra: int) -> None:
    # given
    split, refunds = case
    refunded = sum(refunds)
    remaining = split.captured.minor - refunded

    # when / then
    with pytest.raises(RefundExceedsRemaining):
        reverse_for_refund(split, refunded_before=cny(refunded), refund=cny(remaining + extra))


def test_a_refund_of_nothing_is_refused() -> None:
    split = make_split(30, (MERCHANT, 970))
    with pytest.raises(RefundExceedsRemaining):
        reverse_for_refund(split, refunded_before=cny(0), refund=cny(0))


def test_a_partial_refund_reverses_the_fee_and_the_legs_in_proportion() -> None:
    # given 100.00 paid: 0.60 fee, 2.00 to the referrer, 97.40 to the merchant
    split = make_split(60, (REFERRER, 200), (MERCHANT, 9740))

    # when a quarter is refunded, then the rest in two parts
    first = reverse_for_refund(split, refunded_before=cny(0), refund=cny(2500))
    second = reverse_for_refund(split, refunded_before=cny(2500), refund=cny(3333))
    last = reverse_for_refund(split, refunded_before=cny(5833), refund=cny(4167))

    # then
    assert amounts_of(first) == [15, 50, 2435]
    # 58.33 % of 60 / 200 / 9740 = 34.998 / 116.66 / 5681.342: 35, 117, 5681 (sum 5833)
    assert amounts_of(second) == [35 - 15, 117 - 50, 5681 - 2435]
    parts = zip(amounts_of(first), amounts_of(second), amounts_of(last), strict=True)
    assert [sum(three) for three in parts] == [60, 200, 9740]


def test_with_one_party_besides_the_fee_no_refund_reverses_a_negative_amount() -> None:
    # Two shares never show the Alabama paradox: each refund takes >= 0 from both.
    split = make_split(7, (MERCHANT, 993))
    refunded = 0
    for refund in [1, 1, 3, 500, 13, 482]:
        reversal = reverse_for_refund(split, refunded_before=cny(refunded), refund=cny(refund))
        assert min(amounts_of(reversal)) >= 0
        refunded += refund


def test_the_alabama_paradox_costs_a_party_at_most_one_unit_in_one_refund() -> None:
    # given 7 paid as 1 fee and 3 + 3: after 3 refunded each gave back 1; after 4 the exact
    # shares are 4/7, 12/7, 12/7 and largest remainder gives 0, 2, 2
    split = make_split(1, (MERCHANT, 3), (REFERRER, 3))

    # when
    reversal = reverse_for_refund(split, refunded_before=cny(3), refund=cny(1))

    # then the fee gets its unit back, still within one unit of its share of the 3 kept
    assert amounts_of(reversed_after(split, cny(3))) == [1, 1, 1]
    assert amounts_of(reversal) == [-1, 1, 1]
