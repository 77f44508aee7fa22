"""Lending plans: published by an operator, joined from wallets during the window within the
minimum and the capacity, idempotently; each investor's share of the plan exact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from domain.clock import FixedClock
from domain.errors import InputRejected
from domain.lending.tables import LoanNote
from domain.participants.roles import Role
from domain.wealth.errors import PlanNotOpen, PlanRefused
from domain.wealth.plans import PlanFeeKind
from domain.wealth.services import plans
from support.crowdfunding import Sessions, balance, ledger_consistent
from support.lending_world import listed_loan, participant
from support.wealth import investor
from support.wealth_plans import join, match, plan_terms, publish


async def test_investors_join_within_the_minimum_and_capacity_and_their_shares_are_exact(
    sessions: Sessions, clock: FixedClock
) -> None:
    plan = await publish(sessions, clock, plan_terms(clock))
    alice, bob, carol = [await investor(sessions, clock, 20_000_00) for _ in range(3)]
    await join(sessions, clock, alice, plan, 3_333_33, "a")
    await join(sessions, clock, alice, plan, 3_333_33, "a")  # a replay: once
    await join(sessions, clock, bob, plan, 3_333_33, "b")
    with pytest.raises(PlanRefused, match="at least"):
        await join(sessions, clock, carol, plan, 999_99, "c")
    with pytest.raises(PlanRefused, match=r"only 3333\.34 CNY"):
        await join(sessions, clock, carol, plan, 5_000_00, "c2")
    await join(sessions, clock, carol, plan, 3_333_34, "c3")
    assert (await balance(sessions, alice))[0] == 20_000_00 - 3_333_33

    views = []
    for who in (alice, bob, carol):
        async with sessions() as session:
            views += await plans.my_stakes(session, actor=who, clock=clock)
    assert sum(v.cash for v in views) == 10_000_00
    assert [v.cash for v in views] == [3_333_33, 3_333_33, 3_333_34]
    assert views[0].plan.investors == 3
    assert await ledger_consistent(sessions)


async def test_a_plan_takes_nobody_outside_its_window_and_refuses_nonsenseplan_terms(
    sessions: Sessions, clock: FixedClock
) -> None:
    plan = await publish(sessions, clock, plan_terms(clock))
    alice = await investor(sessions, clock)
    clock.advance(timedelta(days=7))
    with pytest.raises(PlanNotOpen):
        await join(sessions, clock, alice, plan, 1_000_00, "late")
    with pytest.raises(InputRejected) as refused:
        await publish(
            sessions,
            clock,
            plan_terms(clock, term_months=5, grades=frozenset({"Z"}), fee_kind=PlanFeeKind.EXCESS),
        )
    fields = {v.field for v in refused.value.violations}
    assert fields == {"term_months", "grades", "fee_rate"}


async def test_when_its_window_closes_a_plan_invests_through_the_matching_engine(
    sessions: Sessions, clock: FixedClock
) -> None:
    plan = await publish(sessions, clock, plan_terms(clock))  # at most 20 % in one loan
    alice, bob = await investor(sessions, clock), await investor(sessions, clock)
    await join(sessions, clock, alice, plan, 6_000_00, "a")
    await join(sessions, clock, bob, plan, 4_000_00, "b")
    clock.advance(timedelta(days=7))
    assert await plans.start_closed_plans(sessions, clock) == 1
    assert await plans.start_closed_plans(sessions, clock) == 0
    borrower = await participant(sessions, clock, {Role.BORROWER})
    assert borrower.participant_id is not None
    too_long = await listed_loan(sessions, clock, borrower.participant_id, term_months=12)
    loan = await listed_loan(
        sessions, clock, borrower.participant_id, principal=10_000_00, term_months=6
    )

    for listed in (too_long, loan):
        await match(sessions, clock, listed)

    async with sessions() as session:
        notes = list(
            await session.exec(select(LoanNote).where(col(LoanNote.holder_id) == plan.holder_id))
        )
    assert [(n.loan_id, n.principal) for n in notes] == [(loan.id, 2_000_00)]  # 20 % of 10,000
    views = []
    for who in (alice, bob):
        async with sessions() as session:
            views += await plans.my_stakes(session, actor=who, clock=clock)
    assert [(v.cash, v.notes) for v in views] == [(4_800_00, 1_200_00), (3_200_00, 800_00)]
    assert views[0].plan.state == "INVESTING"
    assert await ledger_consistent(sessions)
