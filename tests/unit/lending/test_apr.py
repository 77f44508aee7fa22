"""APR: twelve times the monthly internal rate of return of the installments."""

from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.lending.apr import annual_percentage_rate, monthly_irr
from domain.lending.schedule import RepaymentMethod, build_schedule, monthly_rate
from support.examples import examples


def make_payments(
    *,
    principal: int = 1_000_000,
    annual_rate: str | Decimal = "0.0435",
    term_months: int = 12,
    method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALLMENT,
) -> list[int]:
    schedule = build_schedule(
        principal=principal,
        annual_rate=Decimal(annual_rate),
        term_months=term_months,
        method=method,
    )
    return [item.total for item in schedule]


def present_value(payments: list[int], monthly: Decimal) -> Decimal:
    """Σ p_k / (1+i)^k, computed here independently of apr.py."""
    return sum(
        (Decimal(payment) / (1 + monthly) ** k for k, payment in enumerate(payments, start=1)),
        Decimal(0),
    )


@pytest.mark.parametrize(
    "method",
    [
        RepaymentMethod.EQUAL_INSTALLMENT,
        RepaymentMethod.EQUAL_PRINCIPAL,
        RepaymentMethod.INTEREST_ONLY,
    ],
)
@pytest.mark.parametrize(
    ("annual_rate", "term_months"), [("0.0435", 12), ("0.049", 360), ("0.18", 36)]
)
def test_loans_paying_interest_monthly_cost_their_nominal_rate(
    method: RepaymentMethod, annual_rate: str, term_months: int
) -> None:
    # given: 10,000.00 CNY repaid with interest on the balance every month
    payments = make_payments(annual_rate=annual_rate, term_months=term_months, method=method)

    # when
    apr = annual_percentage_rate(1_000_000, payments, monthly_rate(Decimal(annual_rate)))

    # then
    assert apr == Decimal(annual_rate).quantize(Decimal("0.0001"))


def test_a_bullet_loan_costs_less_than_its_nominal_rate() -> None:
    # given: 10,435.00 back after 12 months for 10,000.00 lent; interest is simple, so the
    # monthly IRR is 1.0435^(1/12) − 1 = 0.0035547…, and 12 × that = 0.042656… → 0.0427
    payments = make_payments(method=RepaymentMethod.BULLET)

    # when
    apr = annual_percentage_rate(1_000_000, payments, monthly_rate(Decimal("0.0435")))

    # then
    assert apr == Decimal("0.0427")


def test_a_zero_rate_loan_costs_nothing() -> None:
    # given
    payments = make_payments(annual_rate="0", term_months=24)

    # when
    apr = annual_percentage_rate(1_000_000, payments)

    # then
    assert apr == Decimal("0.0000")


@pytest.mark.parametrize(
    ("amount_lent", "payments"),
    [(1_000, [300, 300, 300]), (1_000, []), (0, [100]), (-5, [100])],
)
def test_irr_refuses_payments_that_do_not_repay_the_amount_lent(
    amount_lent: int, payments: list[int]
) -> None:
    with pytest.raises(ValueError, match="repay at least the amount lent"):
        monthly_irr(amount_lent, payments)


@settings(max_examples=examples(60))
@given(
    principal=st.integers(min_value=1, max_value=10**13),
    rate_units=st.integers(min_value=0, max_value=10**8),
    term_months=st.integers(min_value=1, max_value=360),
    method=st.sampled_from(RepaymentMethod),
)
def test_discounting_the_payments_at_the_irr_gives_back_the_amount_lent(
    principal: int, rate_units: int, term_months: int, method: RepaymentMethod
) -> None:
    # given
    annual_rate = Decimal(rate_units).scaleb(-8)
    payments = make_payments(
        principal=principal, annual_rate=annual_rate, term_months=term_months, method=method
    )

    # when
    irr = monthly_irr(principal, payments, guess=monthly_rate(annual_rate))

    # then
    assert irr >= 0
    assert abs(present_value(payments, irr) - principal) <= Decimal("1e-9") * principal


@settings(max_examples=examples(60))
@given(
    payments=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=120),
    extra=st.integers(min_value=1, max_value=10**9),
    where=st.integers(min_value=0),
    share=st.integers(min_value=1, max_value=100),
)
def test_more_interest_means_a_higher_irr(
    payments: list[int], extra: int, where: int, share: int
) -> None:
    # given: a loan of some share of what is paid back, and the same loan paying more once
    assume(sum(payments) > 0)
    amount_lent = max(1, sum(payments) * share // 100)
    richer = list(payments)
    richer[where % len(richer)] += extra

    # when
    base, more = monthly_irr(amount_lent, payments), monthly_irr(amount_lent, richer)

    # then
    assert more > base


@pytest.mark.parametrize(("low", "high"), [("0.0435", "0.0436"), ("0.10", "0.24"), ("0", "0.01")])
def test_a_higher_nominal_rate_gives_a_higher_apr(low: str, high: str) -> None:
    # given
    cheap, dear = make_payments(annual_rate=low), make_payments(annual_rate=high)

    # when / then
    assert annual_percentage_rate(1_000_000, dear) > annual_percentage_rate(1_000_000, cheap)
