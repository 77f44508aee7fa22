"""BNPL plans: 3/6/12 installments on the lending schedule; buyer pays or merchant subsidises."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.consumer_credit.plans import (
    INSTALLMENT_COUNTS,
    BnplProduct,
    FeePayer,
    bnpl_plan,
    bnpl_plan_violations,
)
from domain.lending.schedule import RepaymentMethod, build_schedule
from domain.money import Money

PURCHASED = date(2026, 1, 31)
PRODUCT = BnplProduct(annual_rate=Decimal("0.15"), merchant_discount_percent=Decimal("2.5"))


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def test_a_buyer_paid_plan_follows_the_lending_schedule_and_pays_the_merchant_at_once() -> None:
    # when 1,200.00 in 3 installments, the buyer paying 15 % a year
    plan = bnpl_plan(
        price=cny(120_000),
        count=3,
        product=PRODUCT,
        fee_payer=FeePayer.BUYER,
        purchased_on=PURCHASED,
    )

    # then
    expected = build_schedule(
        principal=120_000,
        annual_rate=Decimal("0.15"),
        term_months=3,
        method=RepaymentMethod.EQUAL_INSTALLMENT,
    )
    assert [(i.principal.minor, i.interest.minor) for i in plan.installments] == [
        (e.principal, e.interest) for e in expected
    ]
    assert [i.due_date for i in plan.installments] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert plan.merchant_fee == cny(3_000)  # 2.5 %
    assert plan.merchant_subsidy == cny(0)
    assert plan.merchant_receives == cny(117_000)
    assert plan.buyer_interest == cny(sum(e.interest for e in expected))


def test_a_merchant_subsidised_plan_is_interest_free_for_the_buyer() -> None:
    # when the merchant pays the credit (免息)
    buyer_pays = bnpl_plan(
        price=cny(120_000),
        count=3,
        product=PRODUCT,
        fee_payer=FeePayer.BUYER,
        purchased_on=PURCHASED,
    )
    merchant_pays = bnpl_plan(
        price=cny(120_000),
        count=3,
        product=PRODUCT,
        fee_payer=FeePayer.MERCHANT,
        purchased_on=PURCHASED,
    )

    # then the buyer repays the price alone, and the funder earns the same
    assert [i.total for i in merchant_pays.installments] == [cny(40_000)] * 3
    assert merchant_pays.buyer_interest == cny(0)
    assert merchant_pays.merchant_subsidy == buyer_pays.buyer_interest
    assert merchant_pays.funder_interest == buyer_pays.funder_interest
    assert merchant_pays.merchant_receives == cny(120_000 - 3_000) - buyer_pays.buyer_interest


@given(
    st.integers(min_value=1, max_value=10**11),
    st.sampled_from(INSTALLMENT_COUNTS),
    st.integers(min_value=0, max_value=3_600).map(lambda bp: Decimal(bp) / 10_000),
    st.integers(min_value=0, max_value=1_000).map(lambda bp: Decimal(bp) / 100),
    st.sampled_from(FeePayer),
)
def test_the_price_is_repaid_exactly_and_the_merchant_proceeds_add_up(
    price: int, count: int, rate: Decimal, discount: Decimal, payer: FeePayer
) -> None:
    # given
    product = BnplProduct(annual_rate=rate, merchant_discount_percent=discount)
    if bnpl_plan_violations(price=cny(price), count=count, product=product, fee_payer=payer):
        return  # a tiny price whose subsidy outgrows it: refused, tested below

    # when
    plan = bnpl_plan(
        price=cny(price), count=count, product=product, fee_payer=payer, purchased_on=PURCHASED
    )

    # then
    assert len(plan.installments) == count
    assert sum(i.principal.minor for i in plan.installments) == price
    assert plan.merchant_receives + plan.merchant_fee + plan.merchant_subsidy == cny(price)
    assert plan.merchant_receives.minor >= 0
    if payer is FeePayer.MERCHANT:
        assert plan.buyer_interest == cny(0)
    else:
        assert plan.merchant_subsidy == cny(0)


@pytest.mark.parametrize(
    ("price", "count", "product", "expected"),
    [
        (0, 3, PRODUCT, [("price", "must be greater than zero")]),
        (100_000, 4, PRODUCT, [("installments", "must be 3, 6 or 12")]),
        (
            100_000,
            3,
            BnplProduct(Decimal("1.5"), Decimal("NaN")),
            [
                ("annual_rate", "must be a fraction within 0..1"),
                ("merchant_discount_percent", "must be within 0..100"),
            ],
        ),
        (
            100,
            12,
            BnplProduct(Decimal(1), Decimal(99)),
            [("fee_payer", "the merchant's fee and subsidy would exceed the price")],
        ),
    ],
)
def test_a_plan_that_cant_be_offered_says_why(
    price: int, count: int, product: BnplProduct, expected: list[tuple[str, str]]
) -> None:
    violations = bnpl_plan_violations(
        price=cny(price), count=count, product=product, fee_payer=FeePayer.MERCHANT
    )
    assert violations == expected
    with pytest.raises(ValueError, match=expected[0][0]):
        bnpl_plan(
            price=cny(price),
            count=count,
            product=product,
            fee_payer=FeePayer.MERCHANT,
            purchased_on=PURCHASED,
        )
