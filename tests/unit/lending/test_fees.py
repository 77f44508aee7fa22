"""Fees: percent half-up plus fixed, upfront or spread exactly over the installments."""

from collections import Counter
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.lending.fees import (
    FeeRule,
    FeeTiming,
    fee_amount,
    fees_paid_by_name,
    plan_fees,
    spread_fee_parts,
)

ORIGINATION = FeeRule("origination", FeeTiming.UPFRONT, percent=Decimal("0.02"))
SERVICE = FeeRule("service", FeeTiming.SPREAD, percent=Decimal("0.003"), fixed=100)
ORIGINATION_SPREAD = FeeRule("origination", FeeTiming.SPREAD, percent=Decimal("0.01"))


def test_a_percent_fee_rounds_half_up_once_on_the_whole_fee() -> None:
    assert (
        fee_amount(FeeRule("f", FeeTiming.UPFRONT, percent=Decimal("0.015")), 1_000_100) == 15_002
    )
    assert fee_amount(FeeRule("f", FeeTiming.UPFRONT, percent=Decimal("0.005")), 100) == 1  # .5 up
    assert fee_amount(FeeRule("f", FeeTiming.UPFRONT, fixed=2_500), 10**9) == 2_500


def test_upfront_fees_are_kept_back_and_spread_fees_split_with_odd_units_first() -> None:
    plan = plan_fees([ORIGINATION, SERVICE], principal=1_000_000, installments=12)

    assert plan.upfront == 20_000
    assert plan.by_fee == {"origination": 20_000, "service": 3_100}
    # 3,100 / 12 = 258.33: four units left over, one each to the first four installments.
    assert plan.per_installment == (259,) * 4 + (258,) * 8
    assert plan.total == 23_100


def test_a_product_without_fees_charges_nothing() -> None:
    plan = plan_fees([], principal=500_000, installments=3)

    assert (plan.upfront, plan.per_installment, plan.total) == (0, (0, 0, 0), 0)


def test_rule_problems_name_the_fee() -> None:
    bad = FeeRule("service", FeeTiming.SPREAD, percent=Decimal("1.5"), fixed=-1)

    assert bad.problems() == [
        "service: percent must be within 0..1",
        "service: fixed amount must not be negative",
    ]


@given(
    st.integers(1, 10**12),
    st.integers(1, 360),
    st.lists(
        st.builds(
            FeeRule,
            name=st.sampled_from(["a", "b", "c"]),
            timing=st.sampled_from(FeeTiming),
            percent=st.integers(0, 10_000).map(lambda n: Decimal(n) / 10_000),
            fixed=st.integers(0, 10**6),
        ),
        max_size=4,
    ),
)
def test_the_plan_charges_exactly_each_fee_once(
    principal: int, installments: int, rules: list[FeeRule]
) -> None:
    plan = plan_fees(rules, principal=principal, installments=installments)

    assert plan.total == sum(fee_amount(rule, principal) for rule in rules)
    assert sum(plan.by_fee.values()) == plan.total
    assert len(plan.per_installment) == installments
    assert max(plan.per_installment) - min(plan.per_installment) <= len(rules)


def test_an_installments_fees_are_paid_in_the_rules_order() -> None:
    parts = [("origination", 300), ("service", 200)]

    assert fees_paid_by_name(parts, paid_before=0, paid_now=250) == {"origination": 250}
    assert fees_paid_by_name(parts, paid_before=250, paid_now=100) == {
        "origination": 50,
        "service": 50,
    }
    assert fees_paid_by_name(parts, paid_before=450, paid_now=60) == {"service": 50, "": 10}


@given(
    st.integers(1, 10**9),
    st.integers(1, 60),
    st.lists(st.integers(0, 10**6), max_size=6),
)
def test_payments_in_any_chunks_name_each_fee_exactly(
    principal: int, installments: int, chunks: list[int]
) -> None:
    rules = [ORIGINATION_SPREAD, SERVICE]
    parts = spread_fee_parts(rules, principal=principal, installments=installments)
    plan = plan_fees(rules, principal=principal, installments=installments)
    first = parts[0]
    owed = sum(part for _, part in first)
    assert [sum(p for _, p in each) for each in parts] == list(plan.per_installment)

    paid, named = 0, Counter[str]()
    for chunk in [*chunks, owed]:  # the last chunk pays whatever is left
        take = min(chunk, owed - paid)
        got = fees_paid_by_name(first, paid_before=paid, paid_now=take)
        assert sum(got.values()) == take
        named.update(got)
        paid += take
    assert named == Counter(dict(first))
