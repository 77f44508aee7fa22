"""A repayment that runs ahead of the schedule: due first, then payoff or prepayment."""

from collections.abc import Sequence
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.lending.allocation import InstallmentAllocation, InstallmentDue, allocate_repayment
from domain.lending.early_allocation import EarlyRepaymentAllocation, allocate_early_repayment
from domain.lending.early_repayment import EarlyRepaymentInterest, payoff_quote
from domain.lending.schedule import RepaymentMethod
from support.lending_schedule import METHOD, RATE, make_loan

ACCRUED = EarlyRepaymentInterest.ACCRUED_TO_DATE


def _early(
    amount: int,
    loan: Sequence[InstallmentDue],
    on: date,
    rule: EarlyRepaymentInterest = ACCRUED,
    method: RepaymentMethod = METHOD,
) -> EarlyRepaymentAllocation:
    return allocate_early_repayment(amount, loan, on=on, rule=rule, annual_rate=RATE, method=method)


def test_the_payoff_settles_every_installment_and_the_rest_is_left_over() -> None:
    loan = make_loan(paid=2, fees=100)
    on = date(2026, 3, 25)
    payoff = payoff_quote(loan, on=on, rule=ACCRUED)

    result = _early(payoff.total + 777, loan, on)

    assert result.paid_off
    assert result.allocation.applied == payoff.total
    assert result.allocation.leftover == 777
    assert result.principal_prepaid == sum(i.principal for i in loan)
    assert all(item.total == 0 for item in result.remaining)


def test_a_partial_prepayment_books_its_principal_on_the_current_installment() -> None:
    loan = make_loan(paid=2)

    result = _early(500_000, loan, date(2026, 3, 25))

    assert not result.paid_off
    [current] = result.allocation.installments
    assert current.number == 3
    assert current.principal == result.principal_prepaid > 0
    assert current.total == 500_000
    assert [i.number for i in result.remaining] == list(range(3, 13))


def test_with_nothing_ahead_it_is_the_plain_allocation() -> None:
    loan = make_loan(months=3)
    on = date(2026, 5, 1)  # every installment due

    result = _early(10**9, loan, on)

    assert result.allocation == allocate_repayment(10**9, loan)
    assert result.remaining == ()
    assert not result.paid_off


def test_money_only_enough_for_what_is_due_changes_nothing_ahead() -> None:
    loan = make_loan(paid=1)
    overdue, *future = loan
    on = overdue.due_date + timedelta(days=3)

    result = _early(overdue.total, loan, on)

    assert result.allocation == allocate_repayment(overdue.total, [overdue])
    assert result.remaining == tuple(future)
    assert result.principal_prepaid == 0


@given(
    st.integers(1_000, 10**9),
    st.integers(2, 36),
    st.data(),
    st.sampled_from(EarlyRepaymentInterest),
    st.sampled_from(RepaymentMethod),
    st.integers(0, 500),
)
def test_every_unit_is_applied_or_left_over_and_principal_is_conserved(
    principal: int,
    months: int,
    data: st.DataObject,
    rule: EarlyRepaymentInterest,
    method: RepaymentMethod,
    fees: int,
) -> None:
    loan = make_loan(
        principal, months, paid=data.draw(st.integers(0, months - 1)), fees=fees, method=method
    )
    on = loan[0].period_start + timedelta(days=data.draw(st.integers(0, 75)))  # type: ignore[operator]
    payoff = payoff_quote(loan, on=on, rule=rule).total  # everything, once all is due
    ahead = on < loan[-1].due_date
    amount = data.draw(st.integers(0, 2 * sum(i.total for i in loan)))

    result = _early(amount, loan, on, rule=rule, method=method)

    paid = {item.number: item for item in result.allocation.installments}
    assert result.allocation.applied + result.allocation.leftover == amount
    assert result.allocation.leftover == max(amount - payoff, 0)
    assert result.paid_off == (ahead and amount >= payoff)
    # principal: paid, still owed on what is due, or rescheduled ahead, to the unit
    paid_principal = sum(p.principal for p in paid.values())
    due_left = sum(i.principal - _principal(paid, i.number) for i in loan if i.due_date <= on)
    remaining = sum(item.principal for item in result.remaining)
    assert paid_principal + due_left + remaining == sum(i.principal for i in loan)
    # nothing already due is paid beyond what it owes, component by component
    for item in loan:
        if item.due_date <= on and item.number in paid:
            got = paid[item.number]
            owed = (item.penalty, item.fees, item.interest, item.principal)
            assert all(a <= b for a, b in zip(_parts(got), owed, strict=True))
    assert all(min(i.principal, i.interest, i.fees, i.penalty) >= 0 for i in result.remaining)


def _principal(paid: dict[int, InstallmentAllocation], number: int) -> int:
    return paid[number].principal if number in paid else 0


def _parts(item: InstallmentAllocation) -> tuple[int, int, int, int]:
    return item.penalty, item.fees, item.interest, item.principal
