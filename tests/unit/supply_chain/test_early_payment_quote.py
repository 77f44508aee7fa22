"""Early payment: discount, fee and net are exact, and the implied APR is consistent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.supply_chain.discount import (
    APR_DECIMALS,
    EarlyPaymentQuote,
    discount_of,
    implied_apr_exact,
    quote_early_payment,
    total_quote,
)
from domain.supply_chain.fees import service_fee

TODAY = date(2026, 12, 7)
amounts = st.integers(min_value=10_000, max_value=10**13)
rates = st.decimals(min_value=0, max_value=Decimal("0.3"), places=6)
days = st.integers(min_value=1, max_value=365)
fees = st.integers(min_value=0, max_value=100)


def quote_in(days: int, *, amount: int, rate: Decimal, bps: int) -> EarlyPaymentQuote:
    return quote_early_payment(
        amount=amount,
        annual_rate=rate,
        value_date=TODAY,
        due_date=TODAY + timedelta(days=days),
        fee_basis_points=bps,
    )


def test_a_worked_example() -> None:
    # 1,000,000.00 due in 90 days at 5.475 %: 100,000,000 x 0.05475 x 90 / 365 = 1,350,000.
    quote = quote_early_payment(
        amount=100_000_000,
        annual_rate=Decimal("0.05475"),
        value_date=TODAY,
        due_date=TODAY + timedelta(days=90),
        fee_basis_points=10,
    )
    assert (quote.days, quote.discount, quote.fee) == (90, 1_350_000, 100_000)
    assert quote.net == 100_000_000 - 1_350_000 - 100_000
    assert quote.price == quote.net + quote.fee
    # (1,450,000 / 98,550,000) x 365 / 90 = 0.05967...
    assert quote.implied_apr == Decimal("0.0597")


def test_half_a_minor_unit_goes_up() -> None:
    # 1 x 0.365 x 1 / 365 = 0.001 -> 0; 500 x 0.365 / 365 = 0.5 -> 1.
    assert discount_of(1, Decimal("0.365"), 1) == 0
    assert discount_of(500, Decimal("0.365"), 1) == 1


@given(amounts, rates, days, fees)
def test_discount_fee_and_net_are_exact(amount: int, rate: Decimal, n: int, bps: int) -> None:
    quote = quote_in(n, amount=amount, rate=rate, bps=bps)
    exact = Fraction(amount) * Fraction(rate) * n / 365
    assert abs(quote.discount - exact) <= Fraction(1, 2)
    assert quote.fee == service_fee(amount, bps)
    assert quote.net + quote.discount + quote.fee == amount
    assert quote.price == quote.net + quote.fee
    assert quote.days == n


@given(amounts, rates, days, fees)
def test_the_implied_apr_recovers_the_cost(amount: int, rate: Decimal, n: int, bps: int) -> None:
    quote = quote_in(n, amount=amount, rate=rate, bps=bps)
    exact = implied_apr_exact(net=quote.net, cost=quote.discount + quote.fee, days=n)
    assert abs(Fraction(quote.implied_apr) - exact) <= Fraction(1, 2 * 10**APR_DECIMALS)
    # Charging the exact APR on the net for the days gives back what the holder paid.
    assert quote.net * exact * n / 365 == quote.discount + quote.fee
    # The holder never pays less than the financier's rate on what it receives.
    assert exact >= Fraction(quote.discount * 365, quote.net * n)


def test_a_matured_or_worthless_receivable_is_not_quoted() -> None:
    with pytest.raises(ValueError, match="matured"):
        quote_early_payment(
            amount=100,
            annual_rate=Decimal("0.05"),
            value_date=TODAY,
            due_date=TODAY,
            fee_basis_points=10,
        )
    with pytest.raises(ValueError, match="nothing to pay"):
        quote_early_payment(
            amount=1,
            annual_rate=Decimal(1),
            value_date=TODAY,
            due_date=TODAY + timedelta(days=365),
            fee_basis_points=10_000,
        )


@given(
    st.lists(st.tuples(amounts, rates), min_size=2, max_size=8),
    days,
    fees,
)
def test_a_certificate_bought_in_parts_is_priced_part_by_part_and_the_total_conserved(
    parts: list[tuple[int, Decimal]], term: int, bps: int
) -> None:
    quotes = []
    for amount, rate in parts:
        try:
            quotes.append(quote_in(term, amount=amount, rate=rate, bps=bps))
        except ValueError:  # a part with nothing left to pay is never offered
            return
    total = total_quote(quotes)

    whole = sum(amount for amount, _ in parts)
    assert total.amount == whole
    assert total.net + total.discount + total.fee == whole  # nothing made or lost
    for quote, (amount, rate) in zip(quotes, parts, strict=True):
        assert quote.discount == discount_of(amount, rate, term)  # each at its own rate
    assert total.discount == sum(q.discount for q in quotes)
    assert total.fee == sum(service_fee(amount, bps) for amount, _ in parts)
    exact = implied_apr_exact(net=total.net, cost=total.discount + total.fee, days=term)
    assert abs(Fraction(total.implied_apr) - exact) <= Fraction(1, 2 * 10**APR_DECIMALS)
    lowest, highest = min(r for _, r in parts), max(r for _, r in parts)
    assert lowest <= total.annual_rate <= highest  # the amount-weighted mean


def test_parts_of_different_terms_are_not_one_certificate() -> None:
    one = quote_in(30, amount=100_000, rate=Decimal("0.05"), bps=10)
    other = quote_in(31, amount=100_000, rate=Decimal("0.05"), bps=10)
    with pytest.raises(ValueError, match="same days"):
        total_quote([one, other])
