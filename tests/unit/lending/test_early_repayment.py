"""Early repayment: the payoff on a date, per product rule, and partial prepayment."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.lending.allocation import InstallmentAllocation, InstallmentDue
from domain.lending.early_repayment import (
    EarlyRepaymentInterest,
    payoff_quote,
    prepay_partially,
)
from domain.lending.schedule import RepaymentMethod
from support.lending_schedule import METHOD, RATE, make_loan

ACCRUED, FULL = EarlyRepaymentInterest.ACCRUED_TO_DATE, EarlyRepaymentInterest.FULL_PERIOD


def ten_days_of_31(interest: int) -> int:
    """interest x 10/31, half-up: the oracle, in integers."""
    return (interest * 10 * 2 + 31) // 62


def test_a_payoff_mid_period_owes_interest_to_date_and_principal_only_after() -> None:
    loan = make_loan(paid=2, fees=100)  # installment 3 runs Mar 15 - Apr 15 (31 days)
    current = loan[0]

    payoff = payoff_quote(loan, on=date(2026, 3, 25), rule=ACCRUED)

    to_date = ten_days_of_31(current.interest)
    assert payoff.settles[0] == InstallmentAllocation(3, 0, 100, to_date, current.principal)
    assert all(item.interest == item.fees == 0 for item in payoff.settles[1:])
    assert payoff.total == sum(i.principal for i in loan) + to_date + 100
    waived = sum(i.interest + i.fees for i in loan) - to_date - 100
    assert sum(w.total for w in payoff.waived) == waived


def test_a_full_period_product_charges_the_whole_current_period() -> None:
    loan = make_loan(paid=2)

    payoff = payoff_quote(loan, on=date(2026, 3, 16), rule=FULL)

    assert payoff.settles[0].interest == loan[0].interest
    assert payoff.total == sum(i.principal for i in loan) + loan[0].interest


def test_installments_already_due_are_paid_in_full_first() -> None:
    loan = make_loan(paid=2)
    overdue = InstallmentDue(2, date(2026, 3, 15), 90_000, 10_000, fees=0, penalty=700)

    payoff = payoff_quote([*loan, overdue], on=date(2026, 3, 20), rule=ACCRUED)

    assert payoff.settles[0] == InstallmentAllocation(2, 700, 0, 10_000, 90_000)


def test_accruing_needs_the_period_start() -> None:
    undated = InstallmentDue(1, date(2026, 2, 15), 100, 10)

    with pytest.raises(ValueError, match="period's start"):
        payoff_quote([undated], on=date(2026, 2, 1), rule=ACCRUED)


def test_a_partial_prepayment_charges_the_period_to_date_then_lowers_every_installment() -> None:
    loan = make_loan(paid=2)
    on = date(2026, 3, 25)
    charged = ten_days_of_31(loan[0].interest)

    result = prepay_partially(500_000, loan, on=on, rule=ACCRUED, annual_rate=RATE, method=METHOD)

    assert result.settled == (InstallmentAllocation(3, interest=charged),)
    assert result.principal_prepaid == 500_000 - charged
    new_principal = sum(i.principal for i in result.rescheduled)
    assert new_principal == sum(i.principal for i in loan) - result.principal_prepaid
    assert [i.number for i in result.rescheduled] == list(range(3, 13))
    assert [i.due_date for i in result.rescheduled] == [i.due_date for i in loan]
    assert all(new.total < old.total for new, old in zip(result.rescheduled, loan, strict=True))


def test_a_payment_too_small_for_the_period_charge_just_pays_it_in_part() -> None:
    loan = make_loan(paid=2)

    result = prepay_partially(
        100, loan, on=date(2026, 3, 25), rule=FULL, annual_rate=RATE, method=METHOD
    )

    assert result.principal_prepaid == 0
    assert result.rescheduled[0].interest == loan[0].interest - 100
    assert result.rescheduled[1:] == tuple(loan[1:])


def test_a_prepayment_that_covers_the_payoff_is_refused() -> None:
    loan = make_loan(paid=10)
    payoff = payoff_quote(loan, on=date(2026, 11, 20), rule=ACCRUED)

    with pytest.raises(ValueError, match="settles the loan"):
        prepay_partially(
            payoff.total, loan, on=date(2026, 11, 20), rule=ACCRUED, annual_rate=RATE, method=METHOD
        )


@given(
    st.integers(1_000, 10**9),
    st.integers(2, 36),
    st.data(),
    st.sampled_from(EarlyRepaymentInterest),
    st.sampled_from(RepaymentMethod),
)
def test_prepayments_account_for_every_unit_and_payoffs_never_overcharge(
    principal: int,
    months: int,
    data: st.DataObject,
    rule: EarlyRepaymentInterest,
    method: RepaymentMethod,
) -> None:
    loan = make_loan(principal, months, paid=data.draw(st.integers(0, months - 1)))
    on = loan[0].period_start + timedelta(days=data.draw(st.integers(0, 27)))  # type: ignore[operator]
    payoff = payoff_quote(loan, on=on, rule=rule)
    amount = data.draw(st.integers(0, payoff.total - 1))

    result = prepay_partially(amount, loan, on=on, rule=rule, annual_rate=RATE, method=method)

    assert payoff.total <= sum(i.total for i in loan)
    assert payoff.total + sum(w.total for w in payoff.waived) == sum(i.total for i in loan)
    assert sum(item.total for item in result.settled) + result.principal_prepaid == amount
    remaining = sum(i.principal for i in result.rescheduled)
    assert remaining == sum(i.principal for i in loan) - result.principal_prepaid > 0
    accrued = payoff_quote(loan, on=on, rule=ACCRUED).total
    assert accrued <= payoff_quote(loan, on=on, rule=FULL).total
