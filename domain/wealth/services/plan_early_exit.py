"""An investor leaves a lending plan before it matures (the rule: plan_exit.py): refused
while the lock-up lasts; after it, paid its exact share of the plan's cash and notes less
the plan's early-exit fee (revenue stream `management_fee`), from the plan's cash, once
(idempotent), under the plan's row lock so the shares it is computed from hold still."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.ledger.services.account_locks import KeyedLeg, post_by_key
from domain.money import Money
from domain.wallets.services.accounts import wallet_key
from domain.wealth.errors import PlanLockedUp, PlanRefused
from domain.wealth.plan_exit import early_exit_fee, lockup_ends, matures_at
from domain.wealth.plans import holdings_of
from domain.wealth.services.accounts import management_fee_key
from domain.wealth.services.plans import plan_holdings
from domain.wealth.services.updates import audit
from domain.wealth.states import PlanState
from domain.wealth.tables import LendingPlan, PlanStake


@dataclass(frozen=True, slots=True)
class PlanLeft(StoredAnswer):
    """What an early exit's key keeps: the stake that left."""

    stake_id: UUID


async def leave_plan_early(
    *, session: AsyncSession, clock: Clock, actor: Actor, plan_id: UUID, idempotency_key: str
) -> PlanStake:
    """Leave `plan_id` now with your share, less its early-exit fee, into your wallet."""
    investor_id = actor.require_person()

    async def execute() -> PlanLeft:
        plan = await session.get(LendingPlan, plan_id, with_for_update=True, populate_existing=True)
        stake = None
        if plan is not None:
            found = await session.exec(
                select(PlanStake).where(
                    col(PlanStake.plan_id) == plan.id,
                    col(PlanStake.investor_id) == investor_id,
                    col(PlanStake.exited_at).is_(None),
                )
            )
            stake = found.first()
        if plan is None or stake is None:
            raise NotFound("no such plan stake", field="plan_id")
        now = clock.now()
        unlocked = lockup_ends(plan.closes_at, plan.lockup_months)
        if plan.state != PlanState.INVESTING.value or now < unlocked:
            raise PlanLockedUp(
                f"no early exit before {unlocked.isoformat()} (the plan's lock-up)",
                field="plan_id",
            )
        if now >= matures_at(plan.closes_at, plan.term_months):
            raise PlanLockedUp("the plan has matured: it exits by itself", field="plan_id")
        members = (
            await session.exec(
                select(PlanStake)
                .where(col(PlanStake.plan_id) == plan.id, col(PlanStake.exited_at).is_(None))
                .with_for_update()
            )
        ).all()
        cash, notes = await plan_holdings(session, plan)
        share = holdings_of(
            {"cash": cash, "notes": notes}, {s.investor_id: s.amount for s in members}
        )[investor_id]
        value = share["cash"] + share["notes"]
        if value > cash:
            held = Money(cash, plan.currency).text()
            raise PlanRefused(
                f"the plan holds {held} in cash now, less than your share: try again after "
                "its loans repay",
                field="plan_id",
            )
        fee = early_exit_fee(value, plan.early_exit_fee_rate)
        holder = wallet_key(plan.holder_id, plan.currency)
        tag = {"plan_id": str(plan.id), "stake_id": str(stake.id)}
        legs = [
            KeyedLeg(holder, wallet_key(investor_id, plan.currency), value - fee, "PLAN_EXIT", tag)
        ]
        if fee:
            legs.append(
                KeyedLeg(holder, management_fee_key(plan.currency), fee, "PLAN_EXIT_FEE", tag)
            )
        legs = [leg for leg in legs if leg.amount]
        if legs:
            await post_by_key(session, legs=legs, now=now)
        stake.payout, stake.exit_fee, stake.exited_at = value - fee, fee, now
        stake.updated_at = plan.updated_at = now
        plan.investors -= 1
        session.add_all([plan, stake])
        await session.flush()
        audit(
            session,
            actor,
            "plan.leave_early",
            at=now,
            target_type="PlanStake",
            target_id=stake.id,
            details={"payout": value - fee, "fee": fee},
        )
        return PlanLeft(stake_id=stake.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="wealth.leave_plan_early",
        request={"plan": str(plan_id)},
        execute=execute,
        answer=PlanLeft,
    )
    stake = await session.get(PlanStake, answer.stake_id, populate_existing=True)
    assert stake is not None  # stakes are never deleted
    return stake
