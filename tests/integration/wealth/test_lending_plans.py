"""Lending plans: published by an operator, joined from wallets during the window within the
minimum and the capacity, idempotently; each investor's share of the plan exact."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.actors import Actor
from domain.clock import FixedClock
from domain.errors import InputRejected
from domain.participants.roles import Role
from domain.wealth.errors import PlanNotOpen, PlanRefused
from domain.wealth.plan_terms import PlanTerms
from domain.wealth.plans import PlanFeeKind
from domain.wealth.services import plans
from domain.wealth.tables import LendingPlan
from support.crowdfunding import Sessions, balance, ledger_consistent
from support.lending_world import participant
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
