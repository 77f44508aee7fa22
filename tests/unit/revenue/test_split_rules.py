"""Split rules: validated by field, applied exactly by largest remainder."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from revenue_strategies import split_rules

from domain.money import Money
from domain.revenue.splits import (
    FixedShare,
    InvalidSplitRule,
    Party,
    PercentShare,
    Role,
    SplitRule,
    apply_split,
    split_rule_violations,
)

MERCHANT = Party(Role.MERCHANT, "m-1")
PLATFORM = Party(Role.PLATFORM, "agora")
REFERRER = Party(Role.REFERRER, "r-7")
INSURER = Party(Role.INSURER, "i-2")


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def make_rule(*shares: PercentShare | FixedShare, remainder: Party = MERCHANT) -> SplitRule:
    return SplitRule(shares=shares, remainder_party=remainder)


amounts = st.integers(min_value=0, max_value=10**13)


@given(amounts.flatmap(lambda amount: st.tuples(st.just(amount), split_rules(amount))))
def test_legs_sum_to_the_amount_and_each_is_its_exact_share_rounded(
    case: tuple[int, SplitRule],
) -> None:
    # given
    amount, rule = case
    fixed = sum(s.amount.minor for s in rule.shares if isinstance(s, FixedShare))

    # when
    legs = apply_split(cny(amount), rule)

    # then
    assert [leg.party for leg in legs] == [share.party for share in rule.shares]
    assert sum(leg.amount.minor for leg in legs) == amount
    for leg, share in zip(legs, rule.shares, strict=True):
        if isinstance(share, FixedShare):
            assert leg.amount == share.amount
        else:
            exact = Fraction(amount - fixed) * Fraction(share.percent) / 100
            assert abs(leg.amount.minor - exact) < 1


def test_fixed_shares_come_off_the_top_and_percents_share_the_rest() -> None:
    # given 100.00 with 1.00 fixed to the insurer, then 3 % platform, 1.5 % referrer
    rule = make_rule(
        FixedShare(INSURER, cny(100)),
        PercentShare(PLATFORM, Decimal(3)),
        PercentShare(REFERRER, Decimal("1.5")),
        PercentShare(MERCHANT, Decimal("95.5")),
    )

    # when
    legs = apply_split(cny(10_000), rule)

    # then 9900 * 3 % = 297, * 1.5 % = 148.5, * 95.5 % = 9454.5: the two halves tie
    assert [leg.amount.minor for leg in legs] == [100, 297, 148, 9455]


def test_a_tie_goes_to_the_remainder_party_first_then_in_order() -> None:
    # given four quarters of 2 units: every quota is 0.5, so two units go by the tie-break
    shares = tuple(PercentShare(p, Decimal(25)) for p in (PLATFORM, REFERRER, INSURER, MERCHANT))

    # when / then
    assert [leg.amount.minor for leg in apply_split(cny(2), make_rule(*shares))] == [1, 0, 0, 1]
    to_insurer = make_rule(*shares, remainder=INSURER)
    assert [leg.amount.minor for leg in apply_split(cny(2), to_insurer)] == [1, 0, 1, 0]


def test_an_amount_of_zero_splits_into_zero_legs() -> None:
    rule = make_rule(PercentShare(PLATFORM, Decimal(10)), PercentShare(MERCHANT, Decimal(90)))
    assert [leg.amount for leg in apply_split(cny(0), rule)] == [cny(0), cny(0)]


def test_every_violation_is_reported_by_field() -> None:
    # given a rule broken in several ways at once
    rule = make_rule(
        PercentShare(PLATFORM, Decimal(3)),
        PercentShare(PLATFORM, Decimal(0)),
        FixedShare(INSURER, Money(500, "USD")),
        FixedShare(REFERRER, cny(-1)),
        remainder=MERCHANT,
    )

    # when
    violations = split_rule_violations(rule, cny(100))

    # then
    assert {(v.field, v.message) for v in violations} == {
        ("shares[1].party", "appears more than once"),
        ("shares[1].percent", "must be more than 0 and at most 100"),
        ("shares[2].amount", "must be in CNY, like the payment"),
        ("shares[3].amount", "must be greater than zero"),
        ("remainder_party", "must be one of the recipients"),
        ("shares", "percents sum to 3 %; they must make 100 %"),
    }


@pytest.mark.parametrize(
    ("rule", "amount", "expected"),
    [
        (make_rule(), cny(100), ("shares", "needs at least one recipient")),
        (
            make_rule(FixedShare(PLATFORM, cny(101)), PercentShare(MERCHANT, Decimal(100))),
            cny(100),
            ("shares", "fixed shares are more than the amount"),
        ),
        (
            make_rule(FixedShare(MERCHANT, cny(10))),
            None,
            ("shares", "percents sum to 0 %; they must make 100 %"),
        ),
        (
            make_rule(PercentShare(MERCHANT, Decimal("NaN"))),
            None,
            ("shares[0].percent", "must be more than 0 and at most 100"),
        ),
    ],
)
def test_a_rule_is_refused_for_each_broken_rule(
    rule: SplitRule, amount: Money | None, expected: tuple[str, str]
) -> None:
    assert [(v.field, v.message) for v in split_rule_violations(rule, amount)] == [expected]


def test_fixed_shares_up_to_the_amount_are_valid() -> None:
    rule = make_rule(FixedShare(PLATFORM, cny(100)), PercentShare(MERCHANT, Decimal(100)))
    assert split_rule_violations(rule, cny(100)) == []
    assert [leg.amount.minor for leg in apply_split(cny(100), rule)] == [100, 0]


def test_applying_an_invalid_rule_raises_with_its_violations() -> None:
    rule = make_rule(FixedShare(PLATFORM, cny(200)), PercentShare(MERCHANT, Decimal(100)))
    with pytest.raises(InvalidSplitRule) as raised:
        apply_split(cny(100), rule)
    assert [v.field for v in raised.value.violations] == ["shares"]
