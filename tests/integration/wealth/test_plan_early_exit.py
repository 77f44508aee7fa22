"""Leaving a lending plan early: refused while the lock-up lasts and once it has matured;
after the lock-up the investor is paid its exact share less the plan's early-exit fee, once
(idempotent), and the others' shares still sum to what the plan holds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.clock import FixedClock
from domain.participants.roles import Role
from domain.wealth.errors import PlanLockedUp
from domain.wealth.plan_exit import lockup_ends, matures_at
from domain.wealth.services import plans
from support.crowdfunding import Sessions, balance, ledger_consistent, revenue
from support.lending_world import listed_loan, participant, product_row
from support.wealth import investor
from support.wealth_plans import join, leave_early, match, plan_terms, publish


async def test_an_investor_leaves_after_the_lock_up_with_its_share_less_the_fee(
    sessions: Sessions, clock: FixedClock
) -> None:
    terms = plan_terms(
        clock, term_months=3, lockup_months=1, early_exit_fee_rate="0.01", max_loan_share="0.5"
    )
    plan = await publish(sessions, clock, terms)
    alice, bob = await investor(sessions, clock, 10_000_00), await investor(sessions, clock)
    await join(sessions, clock, alice, plan, 3_333_33, "a")
    await join(sessions, clock, bob, plan, 6_666_67, "b")
    clock.set(plan.closes_at)
    await plans.start_closed_plans(sessions, clock)
    borrower = await participant(sessions, clock, {Role.BORROWER})
    product = product_row(clock.now(), max_investor_share=Decimal(1))
    loan = await listed_loan(
        sessions, clock, borrower.require_participant(), principal=4_000_00, term_months=3,
        rate=Decimal("0.12"), product=product,
    )  # fmt: skip
    await match(sessions, clock, loan)

    clock.set(lockup_ends(plan.closes_at, 1) - timedelta(seconds=1))
    with pytest.raises(PlanLockedUp, match="lock-up"):
        await leave_early(sessions, clock, alice, plan, "too-soon")
    clock.set(lockup_ends(plan.closes_at, 1))
    before, fees = (await balance(sessions, alice))[0], await revenue(sessions, "management_fee")
    async with sessions() as session:
        [view] = await plans.my_stakes(session, actor=alice)
    value = view.cash + view.notes
    assert (view.cash, view.notes) == (2_000_00, 1_333_33)
    stake = await leave_early(sessions, clock, alice, plan, "leave")
    again = await leave_early(sessions, clock, alice, plan, "leave")  # a replay: once
    fee = 33_33  # 1 % of 3,333.33, half-up
    assert (stake.payout, stake.exit_fee, again.id) == (value - fee, fee, stake.id)
    assert (await balance(sessions, alice))[0] == before + value - fee
    assert await revenue(sessions, "management_fee") == fees + fee

    async with sessions() as session:
        [left] = await plans.my_stakes(session, actor=alice)
        [staying] = await plans.my_stakes(session, actor=bob)
        stored = await session.get(type(plan), plan.id)
        assert stored is not None
        cash, notes = await plans.plan_holdings(session, stored)
    assert (left.cash, left.notes) == (0, 0)
    assert (staying.cash, staying.notes) == (cash, notes) == (2_666_67, 4_000_00)
    assert stored.investors == 1

    clock.set(matures_at(plan.closes_at, 3))
    with pytest.raises(PlanLockedUp, match="matured"):
        await leave_early(sessions, clock, bob, plan, "at-maturity")
    assert await ledger_consistent(sessions)
