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

The platform's book buys only what its capacity and its most in one loan let it
(platform_book.check_book_room); a note it cannot take the plan holds to maturity, and its
investors are told so (`held` on wealth.plan_matured). Notes of loans that defaulted were
paid by their cover into the plan's cash (lending's rules).

3. after the exit, whatever reaches the plan's wallet (a held note's repayments, a
   recovery on a defaulted loan) is paid to the investors who were in it at the exit, by
   their stakes, exactly, the fee being the rule's on everything realised so far less what
   was taken (`pay_after_exit`): nothing is stranded in the plan.
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
from domain.lending.errors import PlatformBookFull
from domain.lending.services.secondary_market import (
    fair_price,
    offer_note,
    resellable,
    sell_to_platform_book,
    withdraw_open_sales,
)
from domain.lending.tables import AutoInvestRuleRow, Loan, LoanNote
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


_CLAIM_PAID_AFTER = text(
    """
    SELECT p.id FROM wealth_plan p
    JOIN ledger_account a
      ON a.kind = 'WALLET' AND a.owner_id = p.holder_id AND a.currency = p.currency
    WHERE p.state = 'EXITED' AND a.credits_posted - a.debits_posted - a.debits_pending > 0
      AND p.id <> ALL(CAST(:skip AS uuid[]))
    ORDER BY p.exited_at, p.id
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
    exited = plan.state == PlanState.EXITED.value
    held = (await plan_holdings(session, plan))[1] if exited else 0
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
            held=held,
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


async def _pay_members(
    session: AsyncSession, plan: LendingPlan, members: list[PlanStake], brought: int, now: datetime
) -> None:
    """`brought` more realised (in the plan's wallet) to the investors in the plan at its
    exit, by their stakes, exactly: the fee is the rule's on everything realised so far,
    less what was taken before (never more than what arrived: the rule only grows with
    what is realised)."""
    assert plan.matured_at is not None
    realised = (plan.realised or 0) + brought
    rule = PlanFeeRule(PlanFeeKind(plan.fee_kind), plan.fee_rate)
    fee_total = plan_fee(
        rule,
        principal=sum(s.amount for s in members),
        realised=realised,
        target_rate=plan.target_rate,
        days=(plan.matured_at - plan.closes_at).days,
    )
    fee = fee_total - (plan.fee or 0)
    payouts = shares_of(brought - fee, {s.id: s.amount for s in members})
    cash = wallet_key(plan.holder_id, plan.currency)
    tag = {"plan_id": str(plan.id)}
    legs = [KeyedLeg(cash, management_fee_key(plan.currency), fee, "PLAN_FEE", tag)] if fee else []
    for stake in members:
        stake.payout = (stake.payout or 0) + payouts[stake.id]
        stake.updated_at = now
        if payouts[stake.id]:
            investor = wallet_key(stake.investor_id, plan.currency)
            legs.append(KeyedLeg(cash, investor, payouts[stake.id], "PLAN_PAYOUT", tag))
        session.add(stake)
    if legs:
        await post_by_key(session, legs=legs, now=now)
    plan.realised, plan.fee, plan.updated_at = realised, fee_total, now
    session.add(plan)


async def exit_plan(session: AsyncSession, plan: LendingPlan, now: datetime) -> None:
    """Step 2 (the plan locked, past its exit deadline, no loan of it in funding): the
    platform's book buys what is left, as far as its capacity lets it (the rest the plan
    holds to maturity, its investors told so), the fee is taken and the investors are paid."""
    assert plan.matured_at is not None
    for note, loan in await _live_notes(session, plan):
        try:
            await sell_to_platform_book(session, note=note, loan=loan, now=now)
        except PlatformBookFull:
            logger.info("plan note held to maturity", extra={"note_id": str(note.id)})
    # Sales of notes whose loans closed or defaulted meanwhile, or that the plan now holds
    # to maturity: off the market.
    await withdraw_open_sales(session, plan.holder_id)
    realised, _ = await plan_holdings(session, plan)
    members = await _members(session, plan)
    for stake in members:
        stake.exited_at = now
    plan.exited_at, plan.state = now, PlanState.EXITED.value
    await _pay_members(session, plan, members, realised, now)
    await session.flush()
    await _tell(session, plan, members)


async def _at_exit(session: AsyncSession, plan: LendingPlan) -> list[PlanStake]:
    """The investors who were in the plan at its exit (not those who left early), locked."""
    rows = await session.exec(
        select(PlanStake)
        .where(col(PlanStake.plan_id) == plan.id, col(PlanStake.exited_at) == plan.exited_at)
        .order_by(col(PlanStake.id))
        .with_for_update()
    )
    return list(rows.all())


async def pay_after_exit(session: AsyncSession, plan: LendingPlan, now: datetime) -> None:
    """Step 3 (an EXITED plan, locked, with money in its wallet: a note it held to maturity
    repaid, or a recovery on a defaulted loan): to the investors at its exit, as at step 2."""
    brought, _ = await plan_holdings(session, plan)
    members = await _at_exit(session, plan)
    await _pay_members(session, plan, members, brought, now)
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

    async def claim_paid_after(session: AsyncSession, skip: list[UUID]) -> UUID | None:
        found = await (await session.connection()).execute(_CLAIM_PAID_AFTER, {"skip": skip})
        return found.scalar()

    async def pay_after(session: AsyncSession, plan_id: UUID) -> None:
        await pay_after_exit(session, await locked(session, plan_id), clock.now())

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
    paid_after = await each_claimed(
        sessions,
        claim_paid_after,
        pay_after,
        logger=logger,
        failure="plan's late money not paid",
    )
    return matured + exited + paid_after
