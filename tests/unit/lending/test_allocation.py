"""Allocation of a repayment: oldest installment first, penalty -> fees -> interest -> principal."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.lending.allocation import (
    Component,
    InstallmentAllocation,
    InstallmentDue,
    allocate_repayment,
    remaining_after,
)

JAN, FEB, MAR = date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15)


def make_due(number: int, due_date: date, **amounts: int) -> InstallmentDue:
    values = {"principal": 10_000, "interest": 1_000, "fees": 100, "penalty": 0, **amounts}
    return InstallmentDue(number, due_date, **values)


def test_the_oldest_installment_is_paid_first_penalty_then_fees_then_interest_then_principal() -> (
    None
):
    installments = [make_due(2, FEB), make_due(1, JAN, penalty=50)]

    allocation = allocate_repayment(11_200, installments)

    assert allocation.installments == (
        InstallmentAllocation(1, penalty=50, fees=100, interest=1_000, principal=10_000),
        InstallmentAllocation(2, fees=50),
    )
    assert (allocation.applied, allocation.leftover) == (11_200, 0)


def test_a_short_payment_stops_inside_the_waterfall() -> None:
    allocation = allocate_repayment(700, [make_due(1, JAN, penalty=300)])

    assert allocation.installments == (
        InstallmentAllocation(1, penalty=300, fees=100, interest=300),
    )


def test_an_overpayment_is_left_over() -> None:
    allocation = allocate_repayment(30_000, [make_due(1, JAN), make_due(2, FEB)])

    assert allocation.applied == 22_200
    assert allocation.leftover == 7_800


def test_a_product_may_put_principal_before_interest() -> None:
    waterfall = (Component.PENALTY, Component.FEES, Component.PRINCIPAL, Component.INTEREST)

    allocation = allocate_repayment(10_100, [make_due(1, JAN)], waterfall)

    assert allocation.installments == (InstallmentAllocation(1, fees=100, principal=10_000),)


def test_a_waterfall_must_name_every_component_once() -> None:
    with pytest.raises(ValueError, match="each component once"):
        allocate_repayment(1, [], (Component.PENALTY, Component.PENALTY))


def test_what_remains_after_a_payment_counts_interest_paid() -> None:
    due = make_due(1, JAN, penalty=50)
    paid = InstallmentAllocation(1, penalty=50, fees=100, interest=400)

    assert remaining_after(due, paid) == InstallmentDue(
        1, JAN, principal=10_000, interest=600, fees=0, penalty=0, interest_paid=400
    )


installments_due = st.lists(
    st.builds(
        InstallmentDue,
        number=st.integers(1, 24),
        due_date=st.dates(date(2026, 1, 1), date(2028, 1, 1)),
        principal=st.integers(0, 10**7),
        interest=st.integers(0, 10**6),
        fees=st.integers(0, 10**4),
        penalty=st.integers(0, 10**5),
    ),
    max_size=8,
    unique_by=lambda item: item.number,
)


@given(st.integers(0, 10**8), installments_due, st.permutations(list(Component)))
def test_allocations_never_exceed_what_is_due_and_sum_with_the_leftover_to_the_payment(
    amount: int, installments: list[InstallmentDue], waterfall: list[Component]
) -> None:
    allocation = allocate_repayment(amount, installments, waterfall)

    assert allocation.applied + allocation.leftover == amount
    assert allocation.leftover == max(amount - sum(i.total for i in installments), 0)
    by_number = {i.number: i for i in installments}
    for paid in allocation.installments:
        due = by_number[paid.number]
        assert all(0 <= getattr(paid, c.value) <= getattr(due, c.value) for c in Component)


@given(st.integers(0, 10**8), installments_due, st.permutations(list(Component)))
def test_an_older_installment_and_an_earlier_component_are_paid_in_full_before_the_next(
    amount: int, installments: list[InstallmentDue], waterfall: list[Component]
) -> None:
    allocation = allocate_repayment(amount, installments, waterfall)

    paid = {item.number: item for item in allocation.installments}
    # The whole waterfall, oldest installment first, as one sequence of (owed, received).
    steps = [
        (getattr(due, c.value), getattr(paid.get(due.number, InstallmentAllocation(0)), c.value))
        for due in sorted(installments, key=lambda i: (i.due_date, i.number))
        for c in waterfall
    ]
    short = [n for n, (owed, received) in enumerate(steps) if received < owed]
    if short:
        assert all(received == 0 for _, received in steps[short[0] + 1 :])
