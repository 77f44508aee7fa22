"""Lending-plan factories on the service layer: terms, publishing, joining, leaving early,
and the matching engine run on a listed loan."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from domain.actors import Actor
from domain.clock import FixedClock, SystemClock
from domain.lending.services.matching import match_listing
from domain.lending.services.platform_book import set_platform_book
from domain.lending.tables import Loan, LoanProductRow
from domain.participants.roles import Role
from domain.wealth.plan_terms import PlanTerms
from domain.wealth.plans import PlanFeeKind
from domain.wealth.services import plans
from domain.wealth.services.plan_early_exit import leave_plan_early
from domain.wealth.tables import LendingPlan, PlanStake
from support.crowdfunding import Sessions
from support.lending_world import participant
from support.wealth import cny


def plan_input(name: str, **changes: object) -> dict[str, Any]:
    """publishLendingPlan's input: a 3-month plan targeting 8 %, open from an hour ago for
    two hours (on the system clock, as the API's is), `changes` over it."""
    now = SystemClock().now()
    return {
        "name": name,
        "currency": "CNY",
        "termMonths": 3,
        "targetRate": "0.08",
        "capacity": "10000.00",
        "minimum": "1000.00",
        "opensAt": (now - timedelta(hours=1)).isoformat(),
        "closesAt": (now + timedelta(hours=1)).isoformat(),
        "grades": ["A"],
        "maxLoanShare": "0.2",
        "feeKind": "ASSETS",
        "feeRate": "0.01",
        **changes,
    }


def plan_terms(clock: FixedClock, **changes: object) -> PlanTerms:
    """A 6-month plan targeting 8 %, 10,000.00 from 1,000.00 each, open a week, grades A and
    B, at most 20 % in one loan, 1 % a year of assets as its fee (decimals may be text)."""
    now = clock.now()
    terms: dict[str, object] = {
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
    terms.update(
        {k: Decimal(v) if isinstance(v, str) and k != "name" else v for k, v in changes.items()}
    )
    return PlanTerms(**terms)  # type: ignore[arg-type]


async def match(sessions: Sessions, clock: FixedClock, loan: Loan) -> None:
    """The matching engine on a listed loan, as listing it runs it (plans are a source)."""
    async with sessions() as session:
        locked = await session.get(Loan, loan.id, with_for_update=True)
        product = await session.get(LoanProductRow, loan.product_id)
        assert locked is not None
        assert product is not None
        await match_listing(session, loan=locked, product=product, now=clock.now())
        await session.commit()


async def open_platform_book(
    sessions: Sessions, clock: FixedClock, capacity: int, max_per_loan: int | None = None
) -> None:
    """The operator lets the platform's book lend `capacity` CNY (what buys a maturing or
    leaving plan's unsold notes)."""
    ops = await participant(sessions, clock, {Role.OPERATOR})
    async with sessions() as session:
        await set_platform_book(
            session=session,
            clock=clock,
            actor=ops,
            currency="CNY",
            capacity=capacity,
            max_per_loan=max_per_loan,
        )
        await session.commit()


async def publish(sessions: Sessions, clock: FixedClock, terms: PlanTerms) -> LendingPlan:
    ops = await participant(sessions, clock, {Role.OPERATOR})
    async with sessions() as session:
        plan = await plans.publish_plan(session=session, clock=clock, actor=ops, terms=terms)
        await session.commit()
    return plan


async def join(
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


async def leave_early(
    sessions: Sessions, clock: FixedClock, who: Actor, plan: LendingPlan, key: str
) -> PlanStake:
    async with sessions() as session:
        stake = await leave_plan_early(
            session=session, clock=clock, actor=who, plan_id=plan.id, idempotency_key=key
        )
        await session.commit()
    return stake
