"""Lending plans: the operator publishes a 3-month plan a month before the first day; three
investors join it, the worker starts it investing through the matching engine, one investor
leaves early on the first day (the lock-up over, paying the early-exit fee), and in a run of
61 days or more the plan matures (its notes on the secondary market) and, a week later
(68 days), exits: the platform's book buys what is unsold and the investors are paid."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from api.demo.scenes.lending import cast_of as lending_cast
from api.demo.world import CURRENCY, World
from domain.actors import Actor
from domain.money import Money
from domain.wealth.plan_terms import PlanTerms
from domain.wealth.plans import PlanFeeKind
from domain.wealth.services.plan_early_exit import leave_plan_early
from domain.wealth.services.plans import join_plan, publish_plan
from domain.wealth.tables import LendingPlan

STAKE = 1_000_000  # 10,000.00 from each of three investors


@dataclass
class Cast:
    plan_id: UUID
    told: set[str] = field(default_factory=set)  # the plan states already in the story


class LendingPlanScene:
    name = "lending plans"
    order = 56  # after wealth's fund; the plan invests in lending's loans

    async def setup(self, world: World) -> None:
        now = world.clock.now()
        terms = PlanTerms(
            name="Pine Steady 3",
            currency=CURRENCY,
            term_months=3,
            target_rate=Decimal("0.06"),
            capacity=50_000_00,
            minimum=1_000_00,
            opens_at=now,
            closes_at=now + timedelta(days=2),
            grades=frozenset({"A", "B", "C"}),
            max_loan_share=Decimal("0.2"),
            fee_kind=PlanFeeKind.ASSETS,
            fee_rate=Decimal("0.01"),
            lockup_months=1,
            early_exit_fee_rate=Decimal("0.005"),
        )
        plan = await world.run(
            lambda session: publish_plan(
                session=session, clock=world.clock, actor=world.operator, terms=terms
            )
        )
        for investor in lending_cast(world).investors[:3]:
            if await world.attempt(join(world, plan.id, investor.actor)) is not None:
                world.volume["wealth"] += STAKE
        world.story["lending plans published"] += 1
        world.cast[self.name] = Cast(plan.id)

    async def day(self, world: World, day: int) -> None:
        cast = world.cast[self.name]
        assert isinstance(cast, Cast)
        world.at(day, 11)
        if day == 1:  # the lock-up (a month after the window) is long over
            leaver = lending_cast(world).investors[2]
            left = await world.attempt(
                lambda session: leave_plan_early(
                    session=session,
                    clock=world.clock,
                    actor=leaver.actor,
                    plan_id=cast.plan_id,
                    idempotency_key=world.key("leave-plan"),
                )
            )
            if left is not None:
                world.story["lending plan stakes left early"] += 1
        plan = await world.run(lambda session: session.get(LendingPlan, cast.plan_id))
        assert plan is not None
        if plan.state in ("MATURED", "EXITED") and plan.state not in cast.told:
            cast.told.add(plan.state)
            world.story[f"lending plans {plan.state.lower()}"] += 1


def join(world: World, plan_id: UUID, who: Actor) -> Callable[[AsyncSession], Awaitable[object]]:
    """`who` puts STAKE into the plan, as joinLendingPlan does."""
    return lambda session: join_plan(
        session=session,
        clock=world.clock,
        actor=who,
        plan_id=plan_id,
        amount=Money(STAKE, CURRENCY),
        idempotency_key=world.key("join-plan"),
    )


SCENE = LendingPlanScene()
