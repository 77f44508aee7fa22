"""A lending plan's exit at maturity (the rules: plan_exit.py), run by the worker's
`lending-plan-exits` job, any number of workers (SKIP LOCKED), each plan in its own
transaction:

1. at maturity its auto-invest rule stops (no more reinvestment) and each of its live notes
   goes on lending's secondary market at its fair value (secondary_market.offer_note);
2. at the exit deadline the platform's book buys every note still held
   (secondary_market.sell_to_platform_book), then the plan's cash is shared out: the fee
   to revenue stream `management_fee`, the rest to its investors by their stakes, exactly,
   in one journal. A plan waits while a loan it committed to is still being funded (a HELD
   note): that note becomes one to sell, or its hold is released back to the plan.

Notes of loans that defaulted were paid by their cover into the plan's cash (lending's
rules); what such a loan recovers after the exit stays in the plan holder's wallet.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.events.services.outbox import emit
from domain.jobs.services.batches import each_claimed
from domain.ledger.services.account_locks import KeyedLeg, post_by_key
from domain.lending.services.secondary_market import (
    fair_price,
    offer_note,
    resellable,
    sell_to_platform_book,
)
from domain.lending.tables import AutoInvestRuleRow, Loan, LoanNote, NoteSale
from domain.wallets.services.accounts import wallet_key
from domain.wealth.events import PlanMatured
from domain.wealth.plan_exit import EXIT_DAYS, exit_deadline, matures_at
from domain.wealth.plans import PlanFeeKind, PlanFeeRule, plan_fee, shares_of
from domain.wealth.services.accounts import management_fee_key
from domain.wealth.services.plans import notes_being_repaid, plan_holdings
from domain.wealth.states import PlanState
from domain.wealth.tables import LendingPlan, PlanStake

logger = logging.getLogger("agora.wealth")

# Maturity in SQL as plan_exit.matures_at computes it: calendar months in UTC, day clamped.
_CLAIM_MATURED = text(
    """
    SELECT id FROM wealth_plan
    WHERE state = 'INVESTING'
      AND (closes_at AT TIME ZONE 'UTC' + make_interval(months => term_months))
          AT TIME ZONE 'UTC' <= :now
      AND id <> ALL(CAST(:skip AS uuid[]))
    ORDER BY closes_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
    """
)
_CLAIM_DUE = text(
    """
    SELECT p.id FROM wealth_plan p
    WHERE p.state = 'MATURED' AND p.matured_at <= :cutoff
      AND NOT EXISTS (
          SELECT 1 FROM loan_note n WHERE n.holder_id = p.holder_id AND n.status = 'HELD'
      )
      AND p.id <> ALL(CAST(:skip AS uuid[]))
    ORDER BY p.matured_at, p.id
    LIMIT 1
    FOR UPDATE OF p SKIP LOCKED
    """
)


async def _live_notes(session: AsyncSession, plan: LendingPlan) -> list[tuple[LoanNote, Loan]]:
    """The plan's notes on loans still being repaid, locked in id order."""
    return await notes_being_repaid(session, plan.holder_id, lock=True)


async def _members(session: AsyncSession, plan: LendingPlan) -> list[PlanStake]:
    """The plan's investors still in it (not left early), locked in id order."""
    rows = await session.exec(
        select(PlanStake)
        .where(col(PlanStake.plan_id) == plan.id, col(PlanStake.exited_at).is_(None))
        .order_by(col(PlanStake.id))
        .with_for_update()
    )
    return list(rows.all())


async def _tell(session: AsyncSession, plan: LendingPlan, stakes: list[PlanStake]) -> None:
    assert plan.matured_at is not None
    for stake in stakes:
        event = PlanMatured(
            plan_id=str(plan.id),
            stake_id=str(stake.id),
            state=plan.state,
            currency=plan.currency,
            stake=stake.amount,
            payout=stake.payout,
            realised=plan.realised,
            fee=plan.fee,
            matured_at=plan.matured_at.isoformat(),
            exit_deadline=exit_deadline(plan.matured_at).isoformat(),
        )
        await emit(
            session,
            event,
            aggregate_id=stake.id,
            occurred_at=plan.exited_at or plan.matured_at,
            audience=[stake.investor_id],
        )


async def mature_plan(session: AsyncSession, plan: LendingPlan, now: datetime) -> None:
    """Step 1 (the plan locked): stop reinvesting, put its notes on the market."""
    plan.matured_at = matures_at(plan.closes_at, plan.term_months)
    if plan.rule_id is not None:
        rule = await session.get(AutoInvestRuleRow, plan.rule_id, with_for_update=True)
        assert rule is not None
        rule.active, rule.updated_at = False, now
        session.add(rule)
    for note, loan in await _live_notes(session, plan):
        if await resellable(session, loan):
            price = await fair_price(session, loan, note, now)
            await offer_note(session, note=note, loan=loan, price=price, now=now)
    plan.state, plan.updated_at = PlanState.MATURED.value, now
    session.add(plan)
    await session.flush()
    await _tell(session, plan, await _members(session, plan))


async def exit_plan(session: AsyncSession, plan: LendingPlan, now: datetime) -> None:
    """Step 2 (the plan locked, past its exit deadline, no loan of it in funding): the
    platform's book buys what is left, the fee is taken and the investors are paid."""
    assert plan.matured_at is not None
    for note, loan in await _live_notes(session, plan):
        await sell_to_platform_book(session, note=note, loan=loan, now=now)
    # Sales of notes whose loans closed or defaulted meanwhile: off the market.
    stale = await session.exec(
        select(NoteSale)
        .join(LoanNote, col(LoanNote.id) == col(NoteSale.note_id))
        .where(col(LoanNote.holder_id) == plan.holder_id, col(NoteSale.status) == "OPEN")
        .with_for_update(of=NoteSale)
    )
    for sale in stale.all():
        sale.status = "CANCELLED"
        session.add(sale)
    realised, notes = await plan_holdings(session, plan)
    assert notes == 0, "every live note was sold"
    members = await _members(session, plan)
    principal = sum(s.amount for s in members)
    rule = PlanFeeRule(PlanFeeKind(plan.fee_kind), plan.fee_rate)
    days = (plan.matured_at - plan.closes_at).days
    fee = plan_fee(
        rule, principal=principal, realised=realised, target_rate=plan.target_rate, days=days
    )
    payouts = shares_of(realised - fee, {s.id: s.amount for s in members})
    cash = wallet_key(plan.holder_id, plan.currency)
    tag = {"plan_id": str(plan.id)}
    legs = [KeyedLeg(cash, management_fee_key(plan.currency), fee, "PLAN_FEE", tag)] if fee else []
    for stake in members:
        stake.payout, stake.exited_at, stake.updated_at = payouts[stake.id], now, now
        if stake.payout:
            investor = wallet_key(stake.investor_id, plan.currency)
            legs.append(KeyedLeg(cash, investor, stake.payout, "PLAN_PAYOUT", tag))
        session.add(stake)
    if legs:
        await post_by_key(session, legs=legs, now=now)
    plan.realised, plan.fee, plan.exited_at = realised, fee, now
    plan.state, plan.updated_at = PlanState.EXITED.value, now
    session.add(plan)
    await session.flush()
    await _tell(session, plan, members)


async def exit_lending_plans(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """The worker's job: plans that matured go to the market; plans past their exit deadline
    are bought out and paid; how many plans moved."""

    async def claim_matured(session: AsyncSession, skip: list[UUID]) -> UUID | None:
        found = await (await session.connection()).execute(
            _CLAIM_MATURED, {"now": clock.now(), "skip": skip}
        )
        return found.scalar()

    async def claim_due(session: AsyncSession, skip: list[UUID]) -> UUID | None:
        cutoff = clock.now() - timedelta(days=EXIT_DAYS)
        found = await (await session.connection()).execute(
            _CLAIM_DUE, {"cutoff": cutoff, "skip": skip}
        )
        return found.scalar()

    async def locked(session: AsyncSession, plan_id: UUID) -> LendingPlan:
        plan = await session.get(LendingPlan, plan_id, populate_existing=True)
        assert plan is not None
        return plan

    async def mature(session: AsyncSession, plan_id: UUID) -> None:
        await mature_plan(session, await locked(session, plan_id), clock.now())

    async def pay(session: AsyncSession, plan_id: UUID) -> None:
        await exit_plan(session, await locked(session, plan_id), clock.now())

    matured = await each_claimed(
        sessions,
        claim_matured,
        mature,
        logger=logger,
        failure="plan not matured",
    )
    exited = await each_claimed(
        sessions,
        claim_due,
        pay,
        logger=logger,
        failure="plan not exited",
    )
    return matured + exited
