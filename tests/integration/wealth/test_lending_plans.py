"""Lending plans: published by an operator, joined from wallets during the window within the
minimum and the capacity, idempotently; each investor's share of the plan exact."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, select

from domain.actors import Actor
from domain.clock import FixedClock
from domain.errors import InputRejected
from domain.lending.services.matching import match_listing
from domain.lending.tables import Loan, LoanNote, LoanProductRow
from domain.participants.roles import Role
from domain.wealth.errors import PlanNotOpen, PlanRefused
from domain.wealth.plan_terms import PlanTerms
from domain.wealth.plans import PlanFeeKind
from domain.wealth.services import plans
from domain.wealth.tables import LendingPlan
from support.crowdfunding import Sessions, balance, ledger_consistent
from support.lending_world import listed_loan, participant
from support.wealth import cny, investor


def _terms(clock: FixedClock, **changes: object) -> PlanTerms:
    now = clock.now()
    terms = {
        "name": "Steady 6",
        "currency": "CNY",
        "term_months": 6,
        "target_rate": Decimal("0.08"),
        "capacity": 10_000_00,
        "minimum": 1_000_00,
        "opens_at": now,
        "closes_at": now + timedelta(days=7),
        "grades": frozenset({"A", "B"}),
        "max_loan_share": Decimal("0.2"),
        "fee_kind": PlanFeeKind.ASSETS,
        "fee_rate": Decimal("0.01"),
    }
    return PlanTerms(**{**terms, **changes})  # type: ignore[arg-type]


async def _publish(sessions: Sessions, clock: FixedClock, terms: PlanTerms) -> LendingPlan:
    ops = await participant(sessions, clock, {Role.OPERATOR})
    async with sessions() as session:
        plan = await plans.publish_plan(session=session, clock=clock, actor=ops, terms=terms)
        await session.commit()
    return plan


async def _join(
    sessions: Sessions, clock: FixedClock, who: Actor, plan: LendingPlan, amount: int, key: str
) -> None:
    async with sessions() as session:
        await plans.join_plan(
            session=session,
            clock=clock,
            actor=who,
            plan_id=plan.id,
            amount=cny(amount),
            idempotency_key=key,
        )
        await session.commit()


async def test_investors_join_within_the_minimum_and_capacity_and_their_shares_are_exact(
    sessions: Sessions, clock: FixedClock
) -> None:
    plan = await _publish(sessions, clock, _terms(clock))
    alice, bob, carol = [await investor(sessions, clock, 20_000_00) for _ in range(3)]
    await _join(sessions, clock, alice, plan, 3_333_33, "a")
    await _join(sessions, clock, alice, plan, 3_333_33, "a")  # a replay: once
    await _join(sessions, clock, bob, plan, 3_333_33, "b")
    with pytest.raises(PlanRefused, match="at least"):
        await _join(sessions, clock, carol, plan, 999_99, "c")
    with pytest.raises(PlanRefused, match=r"only 3333\.34 CNY"):
        await _join(sessions, clock, carol, plan, 5_000_00, "c2")
    await _join(sessions, clock, carol, plan, 3_333_34, "c3")
    assert (await balance(sessions, alice))[0] == 20_000_00 - 3_333_33

    views = []
    for who in (alice, bob, carol):
        async with sessions() as session:
            views += await plans.my_stakes(session, actor=who)
    assert sum(v.cash for v in views) == 10_000_00
    assert [v.cash for v in views] == [3_333_33, 3_333_33, 3_333_34]
    assert views[0].plan.investors == 3
    assert await ledger_consistent(sessions)


async def test_a_plan_takes_nobody_outside_its_window_and_refuses_nonsense_terms(
    sessions: Sessions, clock: FixedClock
) -> None:
    plan = await _publish(sessions, clock, _terms(clock))
    alice = await investor(sessions, clock)
    clock.advance(timedelta(days=7))
    with pytest.raises(PlanNotOpen):
        await _join(sessions, clock, alice, plan, 1_000_00, "late")
    with pytest.raises(InputRejected) as refused:
        await _publish(
            sessions,
            clock,
            _terms(clock, term_months=5, grades=frozenset({"Z"}), fee_kind=PlanFeeKind.EXCESS),
        )
    fields = {v.field for v in refused.value.violations}
    assert fields == {"term_months", "grades", "fee_rate"}


async def test_when_its_window_closes_a_plan_invests_through_the_matching_engine(
    sessions: Sessions, clock: FixedClock
) -> None:
    plan = await _publish(sessions, clock, _terms(clock))  # at most 20 % in one loan
    alice, bob = await investor(sessions, clock), await investor(sessions, clock)
    await _join(sessions, clock, alice, plan, 6_000_00, "a")
    await _join(sessions, clock, bob, plan, 4_000_00, "b")
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
        async with sessions() as session:
            locked = await session.get(Loan, listed.id, with_for_update=True)
            product = await session.get(LoanProductRow, listed.product_id)
            assert locked is not None
            assert product is not None
            await match_listing(session, loan=locked, product=product, now=clock.now())
            await session.commit()

    async with sessions() as session:
        notes = list(
            await session.exec(select(LoanNote).where(col(LoanNote.holder_id) == plan.holder_id))
        )
    assert [(n.loan_id, n.principal) for n in notes] == [(loan.id, 2_000_00)]  # 20 % of 10,000
    views = []
    for who in (alice, bob):
        async with sessions() as session:
            views += await plans.my_stakes(session, actor=who)
    assert [(v.cash, v.notes) for v in views] == [(4_800_00, 1_200_00), (3_200_00, 800_00)]
    assert views[0].plan.state == "INVESTING"
    assert await ledger_consistent(sessions)
