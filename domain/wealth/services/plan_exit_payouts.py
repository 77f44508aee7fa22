"""An early exit from a lending plan after the investor left (the rules: plan_exit.py): what
its notes bring lands in its holder's wallet (a note sold on the secondary market, a
repayment, a cover's payment or a recovery); `pay_out_exit` passes it to the investor less
the plan's early-exit fee (revenue stream `management_fee`), and the worker's
`lending-plan-early-exits` job runs it for every exit with money waiting or a state to move,
any number of workers (SKIP LOCKED), each exit in its own transaction. Past its deadline the
platform's book buys what is still unsold, as at maturity (secondary_market's
`sell_to_platform_book`)."""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.events.services.outbox import emit
from domain.jobs.services.batches import each_claimed
from domain.ledger.services.account_locks import KeyedLeg, post_by_key
from domain.lending.errors import PlatformBookFull
from domain.lending.services.secondary_market import (
    sell_to_platform_book,
    withdraw_open_sales,
)
from domain.lending.states import NoteStatus
from domain.lending.tables import LoanNote
from domain.wallets.services.accounts import wallet_key
from domain.wealth.events import PlanExitUpdated
from domain.wealth.plan_exit import exit_fee_due, exit_state
from domain.wealth.services.accounts import management_fee_key
from domain.wealth.services.plans import holder_holdings, notes_being_repaid
from domain.wealth.states import PlanExitState
from domain.wealth.tables import PlanEarlyExit, PlanStake

logger = logging.getLogger("agora.wealth")
_ON_THE_MARKET = (PlanExitState.PENDING.value, PlanExitState.PARTLY_SOLD.value)

# Exits with money in their holder's wallet (a recovery after DONE too), or whose state may
# move: on the market past the deadline, no live note left, or a first note gone while
# PENDING.
_CLAIM_EXIT = text(
    """
    SELECT e.id FROM wealth_plan_exit e
    LEFT JOIN ledger_account a
      ON a.kind = 'WALLET' AND a.owner_id = e.holder_id AND a.currency = e.currency
    WHERE e.id <> ALL(CAST(:skip AS uuid[]))
      AND (
        COALESCE(a.credits_posted - a.debits_posted - a.debits_pending, 0) > 0
        OR (e.state <> 'DONE' AND (
          (e.deadline <= :now AND e.state IN ('PENDING', 'PARTLY_SOLD'))
          OR NOT EXISTS (
            SELECT 1 FROM loan_note n WHERE n.holder_id = e.holder_id AND n.status = 'ACTIVE'
          )
          OR (e.state = 'PENDING' AND e.note_count > (
            SELECT count(*) FROM loan_note n WHERE n.holder_id = e.holder_id AND n.status = 'ACTIVE'
          ))
        ))
      )
    ORDER BY e.created_at, e.id
    LIMIT 1
    FOR UPDATE OF e SKIP LOCKED
    """
)


async def _live_count(session: AsyncSession, holder_id: UUID) -> int:
    found = await session.exec(
        select(func.count())
        .select_from(LoanNote)
        .where(
            col(LoanNote.holder_id) == holder_id, col(LoanNote.status) == NoteStatus.ACTIVE.value
        )
    )
    return int(found.one())


async def exit_updated(session: AsyncSession, left: PlanEarlyExit, now: datetime) -> None:
    """Tell the investor how its exit stands."""
    event = PlanExitUpdated(
        plan_id=str(left.plan_id),
        stake_id=str(left.stake_id),
        state=left.state,
        currency=left.currency,
        cash=left.cash,
        notes=left.notes,
        received=left.received,
        fee=left.fee,
        paid=left.received - left.fee,
        deadline=left.deadline.isoformat(),
    )
    await emit(
        session, event, aggregate_id=left.stake_id, occurred_at=now, audience=[left.investor_id]
    )


async def pay_out_exit(
    session: AsyncSession, left: PlanEarlyExit, now: datetime, *, held: bool = False
) -> bool:
    """`left` (locked): what its holder's wallet holds to the investor, less the fee, and its
    state brought up to date; whether anything changed (then the investor is told)."""
    brought, _ = await holder_holdings(session, left.holder_id, left.currency)
    was = (left.state, left.received)
    if brought > 0:
        fee = exit_fee_due(left.received + brought, left.fee_rate, left.fee)
        holder = wallet_key(left.holder_id, left.currency)
        tag = {"plan_id": str(left.plan_id), "exit_id": str(left.id)}
        legs = [
            KeyedLeg(
                holder, wallet_key(left.investor_id, left.currency), brought - fee, "PLAN_EXIT", tag
            ),
            KeyedLeg(holder, management_fee_key(left.currency), fee, "PLAN_EXIT_FEE", tag),
        ]
        await post_by_key(session, legs=[leg for leg in legs if leg.amount], now=now)
        left.received += brought
        left.fee += fee
        stake = await session.get(PlanStake, left.stake_id, with_for_update=True)
        assert stake is not None
        stake.payout, stake.exit_fee, stake.updated_at = left.received - left.fee, left.fee, now
        session.add(stake)
    held = held or left.state == PlanExitState.HELD.value
    state = exit_state(await _live_count(session, left.holder_id), left.note_count, held=held)
    left.state = state.value
    if state is PlanExitState.DONE and left.done_at is None:
        left.done_at = now
    if (left.state, left.received) == was:
        return False
    left.updated_at = now
    session.add(left)
    await session.flush()
    await exit_updated(session, left, now)
    return True


async def buy_out_exit(session: AsyncSession, left: PlanEarlyExit, now: datetime) -> bool:
    """Past `left`'s deadline: the platform's book buys every note of it still unsold, as
    far as its capacity lets it; whether it left any (the exit then holds them to maturity,
    off the market)."""
    held = False
    for note, loan in await notes_being_repaid(session, left.holder_id, lock=True):
        try:
            await sell_to_platform_book(session, note=note, loan=loan, now=now)
        except PlatformBookFull:
            held = True
    if held:
        await withdraw_open_sales(session, left.holder_id)
    return held


async def settle_early_exits(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """The worker's job: every early exit with money waiting or a state to move is paid out
    (past its deadline, bought out first); how many exits were worked."""

    # Once a run each: an exit whose notes the book cannot buy yet stays claimable.
    worked: list[UUID] = []

    async def claim(session: AsyncSession, skip: list[UUID]) -> UUID | None:
        found = await (await session.connection()).execute(
            _CLAIM_EXIT, {"now": clock.now(), "skip": skip + worked}
        )
        return found.scalar()

    async def settle(session: AsyncSession, exit_id: UUID) -> None:
        worked.append(exit_id)
        left = await session.get(PlanEarlyExit, exit_id, populate_existing=True)
        assert left is not None
        now = clock.now()
        held = False
        if left.state in _ON_THE_MARKET and left.deadline <= now:
            held = await buy_out_exit(session, left, now)
        await pay_out_exit(session, left, now, held=held)

    return await each_claimed(sessions, claim, settle, logger=logger, failure="exit not settled")
