"""Refunds of BNPL purchases: installments shrink last first, the rest goes to the wallet,
and the credit line comes back exactly."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.consumer_credit.credit_limit import CreditLine, consume_credit, restore_credit
from domain.consumer_credit.installment_reduction import (
    OpenInstallment,
    PaidInterest,
    PurchaseRefunds,
    RefundExceedsPurchase,
    reduce_installments_for_refund,
)
from domain.consumer_credit.plans import INSTALLMENT_COUNTS, BnplProduct, FeePayer, bnpl_plan
from domain.money import Money


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def make_installments(*owed: tuple[int, int]) -> list[OpenInstallment]:
    return [
        OpenInstallment(number, cny(principal), cny(interest))
        for number, (principal, interest) in enumerate(owed, start=1)
    ]


def owed(
    installments: tuple[OpenInstallment, ...] | list[OpenInstallment],
) -> list[tuple[int, int]]:
    return [(i.principal_due.minor, i.interest_due.minor) for i in installments]


def test_a_refund_takes_principal_off_the_last_installments_first() -> None:
    # given 3 x (100.00 + interest), the first one paid
    installments = make_installments((0, 0), (10_000, 100), (10_000, 50))

    # when 150.00 of the 300.00 purchase is refunded
    result = reduce_installments_for_refund(
        installments,
        refund=cny(15_000),
        purchase=PurchaseRefunds(price=cny(30_000), refunded_before=cny(0)),
    )

    # then the last goes, the second halves (and its interest with it), nothing to the wallet
    assert owed(result.installments) == [(0, 0), (5_000, 50), (0, 0)]
    assert result.principal_reduced == cny(15_000)
    assert result.interest_waived == cny(100)
    assert result.to_wallet == cny(0)


def test_a_refund_beyond_the_outstanding_principal_goes_to_the_wallet() -> None:
    # given two of three installments paid: 100.00 still owed
    installments = make_installments((0, 0), (0, 0), (10_000, 50))

    # when 250.00 is refunded
    result = reduce_installments_for_refund(
        installments,
        refund=cny(25_000),
        purchase=PurchaseRefunds(price=cny(30_000), refunded_before=cny(0)),
    )

    # then the debt is gone and the 150.00 the buyer already repaid comes back; paid interest
    # stays with the funder
    assert owed(result.installments) == [(0, 0), (0, 0), (0, 0)]
    assert (result.principal_reduced, result.to_wallet) == (cny(10_000), cny(15_000))
    assert result.interest_refunded == cny(0)


def test_paid_interest_comes_back_in_proportion_when_the_product_says_so() -> None:
    # given 3.00 of interest paid on a 300.00 purchase
    purchase = PurchaseRefunds(
        price=cny(30_000), refunded_before=cny(0), paid_interest=PaidInterest(cny(300), cny(0))
    )

    # when a third of the price is refunded
    result = reduce_installments_for_refund(
        make_installments((0, 0), (10_000, 50), (10_000, 25)), refund=cny(10_000), purchase=purchase
    )

    # then a third of the paid interest goes to the wallet
    assert result.interest_refunded == cny(100)
    assert result.to_wallet == cny(100)


@pytest.mark.parametrize(("before", "refund"), [(0, 0), (0, 30_001), (20_000, 10_001)])
def test_no_refund_exceeds_what_is_left_of_the_purchase(before: int, refund: int) -> None:
    with pytest.raises(RefundExceedsPurchase):
        reduce_installments_for_refund(
            make_installments((10_000, 0), (10_000, 0), (10_000, 0)),
            refund=cny(refund),
            purchase=PurchaseRefunds(price=cny(30_000), refunded_before=cny(before)),
        )


@st.composite
def refund_stories(draw: st.DrawFn) -> tuple[int, int, int, bool, list[int]]:
    """price, installment count, installments already repaid, product refunds interest?,
    and the refunds (summing to at most the price)."""
    price = draw(st.integers(min_value=1, max_value=10**10))
    count = draw(st.sampled_from(INSTALLMENT_COUNTS))
    repaid = draw(st.integers(min_value=0, max_value=count))
    refunds: list[int] = []
    left = price
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        if left == 0:
            break
        refunds.append(draw(st.integers(min_value=1, max_value=left)))
        left -= refunds[-1]
    return price, count, repaid, draw(st.booleans()), refunds


@given(refund_stories(), st.integers(min_value=0, max_value=10**10))
def test_installments_always_sum_to_what_is_outstanding_and_the_line_stays_in_bounds(
    story: tuple[int, int, int, bool, list[int]], headroom: int
) -> None:
    # given a purchase on credit, some installments repaid
    price, count, repaid, refunds_interest, refunds = story
    product = BnplProduct(Decimal("0.18"), Decimal(2), refunds_paid_interest=refunds_interest)
    plan = bnpl_plan(
        price=cny(price),
        count=count,
        product=product,
        fee_payer=FeePayer.BUYER,
        purchased_on=date(2026, 3, 15),
    )
    limit = cny(price + headroom)
    line = consume_credit(CreditLine(limit, cny(0)), cny(price))
    installments = [
        OpenInstallment(i.number, cny(0 if i.number <= repaid else i.principal.minor), i.interest)
        for i in plan.installments
    ]
    installments = [
        replace(i, interest_due=cny(0)) if i.number <= repaid else i for i in installments
    ]
    principal_repaid = sum(i.principal.minor for i in plan.installments[:repaid])
    interest_paid = sum(i.interest.minor for i in plan.installments[:repaid])
    line = restore_credit(line, cny(principal_repaid))
    refunded = interest_back = wallet = 0

    for refund in refunds:
        # when
        outstanding = sum(i.principal_due.minor for i in installments)
        result = reduce_installments_for_refund(
            installments,
            refund=cny(refund),
            purchase=PurchaseRefunds(
                price=cny(price),
                refunded_before=cny(refunded),
                paid_interest=PaidInterest(cny(interest_paid), cny(interest_back))
                if refunds_interest
                else None,
            ),
        )
        line = restore_credit(line, result.principal_reduced)

        # then
        after = result.installments
        assert sum(i.principal_due.minor for i in after) == outstanding - min(refund, outstanding)
        assert result.principal_reduced == cny(min(refund, outstanding))
        assert result.to_wallet.minor == refund - min(refund, outstanding) + (
            result.interest_refunded.minor
        )
        assert all(
            0 <= a.principal_due.minor <= b.principal_due.minor
            and 0 <= a.interest_due.minor <= b.interest_due.minor
            for a, b in zip(after, installments, strict=True)
        )
        touched = [a.number for a, b in zip(after, installments, strict=True) if a != b]
        if touched:  # a suffix: every later installment has nothing left to pay
            assert all(a.principal_due.minor == 0 for a in after if a.number > min(touched))
        assert 0 <= line.used.minor <= limit.minor
        assert line.used.minor == sum(i.principal_due.minor for i in after)
        installments = list(after)
        refunded += refund
        interest_back += result.interest_refunded.minor
        wallet += result.to_wallet.minor

    assert interest_back <= interest_paid
    if refunded == price:
        assert owed(installments) == [(0, 0)] * count
        assert line.used == cny(0)
        assert wallet == principal_repaid + (interest_paid if refunds_interest else 0)
