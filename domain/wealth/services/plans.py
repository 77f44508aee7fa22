"""Lending plans: an operator publishes one; investors subscribe from their wallet during its
window, idempotently; each investor's share of what the plan holds is readable at any time.

A subscription moves the money from the wallet to the plan's cash account (`plan:<id>:cash`)
under the plan's row lock, so the plan never takes more than its capacity. Each plan has a
participant of its own that holds its notes (no credentials: nobody signs in as it). When
the window closes, the worker's `lending-plans` job moves the cash into that participant's
wallet and gives it an auto-invest rule with the plan's constraints (its grades, loans no
longer than its term, a note rate at least its target, at most its concentration share in
one loan): the matching engine then invests the plan as one more source, and repayments
landing in the wallet are reinvested by the same rule. The exit at maturity: plan_exit.py;
an investor's early exit: plan_early_exit.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from uuid import UUID

from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.jobs.services.batches import each_claimed
from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.account_locks import KeyedLeg, post_by_key
from domain.ledger.tables import LedgerAccount
from domain.lending.services.secondary_market import accrued_on_note
from domain.lending.states import LoanState, NoteStatus
from domain.lending.tables import AutoInvestRuleRow, Loan, LoanNote
from domain.money import Money, currency_of, round_half_up
from domain.wallets.services.accounts import wallet_key
from domain.wealth.errors import PlanNotOpen, PlanRefused
from domain.wealth.plan_terms import PlanTerms, check_plan_terms
from domain.wealth.plans import holdings_of
from domain.wealth.services.accounts import plan_cash_key
from domain.wealth.services.holders import new_holder
from domain.wealth.services.updates import audit
from domain.wealth.states import PlanState
from domain.wealth.tables import LendingPlan, PlanEarlyExit, PlanStake

ACCOUNTS = LedgerAccount.__table__  # type: ignore[attr-defined]
NOTES = LoanNote.__table__  # type: ignore[attr-defined]
logger = logging.getLogger("agora.wealth")


async def publish_plan(
    *, session: AsyncSession, clock: Clock, actor: Actor, terms: PlanTerms
) -> LendingPlan:
    """Operators: a plan that takes subscriptions from `opens_at` to `closes_at`."""
    actor.require_operator()
    currency_of(terms.currency)
    now = clock.now()
    check_plan_terms(terms, now=now)
    holder_id = await new_holder(session, name=f"Lending plan: {terms.name.strip()}", now=now)
    plan = LendingPlan(
        holder_id=holder_id,
        name=terms.name.strip(),
        currency=terms.currency,
        state=PlanState.OPEN.value,
        term_months=terms.term_months,
        target_rate=terms.target_rate,
        capacity=terms.capacity,
        minimum=terms.minimum,
        opens_at=terms.opens_at,
        closes_at=terms.closes_at,
        grades=sorted(terms.grades),
        max_loan_share=terms.max_loan_share,
        fee_kind=terms.fee_kind.value,
        fee_rate=terms.fee_rate,
        lockup_months=terms.lockup_months,
        early_exit_fee_rate=terms.early_exit_fee_rate,
        created_by=actor.require_participant(),
        created_at=now,
        updated_at=now,
    )
    session.add(plan)
    await session.flush()
    audit(session, actor, "plan.publish", at=now, target_type="LendingPlan", target_id=plan.id)
    return plan


@dataclass(frozen=True, slots=True)
class PlanJoined(StoredAnswer):
    """What a plan subscription's key keeps: the investor's stake."""

    stake_id: UUID


async def join_plan(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    plan_id: UUID,
    amount: Money,
    idempotency_key: str,
) -> PlanStake:
    """Put `amount` from the caller's wallet into an open plan (adding to its stake)."""
    investor_id = actor.require_person()
    if amount.minor <= 0:
        raise InvalidInput("must be greater than zero", field="amount")

    async def execute() -> PlanJoined:
        plan = await session.get(LendingPlan, plan_id, with_for_update=True, populate_existing=True)
        if plan is None:
            raise NotFound("no such plan", field="plan_id")
        now = clock.now()
        if plan.state != PlanState.OPEN.value or not plan.opens_at <= now < plan.closes_at:
            raise PlanNotOpen("the plan takes no subscriptions now", field="plan_id")
        if amount.currency != plan.currency:
            raise InvalidInput(f"the plan is in {plan.currency}", field="amount")
        found = await session.exec(
            select(PlanStake)
            .where(col(PlanStake.plan_id) == plan.id, col(PlanStake.investor_id) == investor_id)
            .with_for_update()
        )
        stake = found.first()
        if stake is None and amount.minor < plan.minimum:
            least = Money(plan.minimum, plan.currency).text()
            raise PlanRefused(f"the plan takes at least {least}", field="amount")
        left = plan.capacity - plan.subscribed
        if amount.minor > left:
            room = Money(left, plan.currency).text()
            raise PlanRefused(f"only {room} of the plan is left", field="amount")
        await post_by_key(
            session,
            now=now,
            legs=[
                KeyedLeg(
                    wallet_key(investor_id, plan.currency),
                    plan_cash_key(plan.id, plan.currency),
                    amount.minor,
                    "PLAN_SUBSCRIPTION",
                    {"plan_id": str(plan.id)},
                )
            ],
        )
        if stake is None:
            stake = PlanStake(plan_id=plan.id, investor_id=investor_id, created_at=now)
            plan.investors += 1
        stake.amount += amount.minor
        stake.updated_at = plan.updated_at = now
        plan.subscribed += amount.minor
        session.add_all([plan, stake])
        await session.flush()
        audit(
            session,
            actor,
            "plan.join",
            at=now,
            target_type="PlanStake",
            target_id=stake.id,
            details={"amount": amount.minor},
        )
        return PlanJoined(stake_id=stake.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="wealth.join_plan",
        request={"plan": str(plan_id), "amount": amount.minor, "currency": amount.currency},
        execute=execute,
        answer=PlanJoined,
    )
    stake = await session.get(PlanStake, answer.stake_id, populate_existing=True)
    assert stake is not None  # stakes are never deleted
    return stake


@dataclass(frozen=True, slots=True)
class StakeView:
    """A stake, its plan, and its exact share of what the plan holds: cash, notes' principal
    outstanding and the interest they have accrued. A stake leaving early holds instead what
    its exit still has (cash not yet paid out, notes not yet sold); `exit` is that exit."""

    stake: PlanStake
    plan: LendingPlan
    cash: int
    notes: int
    accrued: int
    exit: PlanEarlyExit | None = None


async def plans(session: AsyncSession) -> list[LendingPlan]:
    """Every plan, newest first (products: anyone may see them)."""
    query = select(LendingPlan).order_by(col(LendingPlan.created_at).desc(), col(LendingPlan.id))
    return list((await session.exec(query)).all())


async def holder_holdings(session: AsyncSession, holder_id: UUID, currency: str) -> tuple[int, int]:
    """(cash, notes' principal outstanding) a plan's or an exit's holder has: its wallet's
    available balance, and its notes being funded or repaid."""
    conn = await session.connection()
    cash = await conn.execute(
        select(
            ACCOUNTS.c.credits_posted - ACCOUNTS.c.debits_posted - ACCOUNTS.c.debits_pending
        ).where(
            ACCOUNTS.c.kind == AccountKind.WALLET.value,
            ACCOUNTS.c.owner_id == holder_id,
            ACCOUNTS.c.currency == currency,
        )
    )
    notes = await conn.execute(
        select(func.coalesce(func.sum(NOTES.c.principal - NOTES.c.principal_received), 0)).where(
            NOTES.c.holder_id == holder_id,
            NOTES.c.status.in_([NoteStatus.HELD.value, NoteStatus.ACTIVE.value]),
        )
    )
    return int(cash.scalar() or 0), int(notes.scalar_one())


async def plan_holdings(session: AsyncSession, plan: LendingPlan) -> tuple[int, int]:
    """(cash, notes' principal outstanding) the plan holds: its cash account while it takes
    subscriptions, then its holder's wallet and notes."""
    if plan.state == PlanState.OPEN.value:
        return plan.subscribed, 0
    return await holder_holdings(session, plan.holder_id, plan.currency)


async def notes_being_repaid(
    session: AsyncSession, holder_id: UUID, *, lock: bool = False
) -> list[tuple[LoanNote, Loan]]:
    """`holder_id`'s notes on loans still being repaid, with their loans, in note id order
    (with `lock`, the notes locked)."""
    query = (
        select(LoanNote, Loan)
        .join(Loan, col(Loan.id) == col(LoanNote.loan_id))
        .where(
            col(LoanNote.holder_id) == holder_id,
            col(LoanNote.status) == NoteStatus.ACTIVE.value,
            col(Loan.state) == LoanState.ACTIVE.value,
        )
        .order_by(col(LoanNote.id))
    )
    rows = await session.exec(query.with_for_update(of=LoanNote) if lock else query)
    return list(rows.all())


async def accrued_of(session: AsyncSession, holder_id: UUID, now: datetime) -> int:
    """Interest `holder_id`'s notes on loans being repaid have earned in their current period
    and not yet received (lending's rule, as a note's fair price counts it)."""
    today = now.astimezone(UTC).date()
    held = await notes_being_repaid(session, holder_id)
    return sum([await accrued_on_note(session, loan, note, today) for note, loan in held])


async def _exit_view(
    session: AsyncSession, stake: PlanStake, plan: LendingPlan, left: PlanEarlyExit, now: datetime
) -> StakeView:
    cash, notes = await holder_holdings(session, left.holder_id, left.currency)
    accrued = await accrued_of(session, left.holder_id, now)
    return StakeView(stake, plan, cash, notes, accrued, left)


async def stake_views(
    session: AsyncSession, stakes: list[PlanStake], *, now: datetime
) -> list[StakeView]:
    """Each stake's share of its plan's cash, notes and accrued interest (every share exact:
    plans.py), or what its early exit still holds."""
    views = []
    exits = {
        e.stake_id: e
        for e in (
            await session.exec(
                select(PlanEarlyExit).where(col(PlanEarlyExit.stake_id).in_([s.id for s in stakes]))
            )
        ).all()
    }
    for plan_id in dict.fromkeys(s.plan_id for s in stakes):
        plan = await session.get(LendingPlan, plan_id)
        assert plan is not None
        everyone = (
            await session.exec(select(PlanStake).where(col(PlanStake.plan_id) == plan_id))
        ).all()
        cash, notes = await plan_holdings(session, plan)
        accrued = (
            0
            if plan.state == PlanState.OPEN.value
            else await accrued_of(session, plan.holder_id, now)
        )
        # After the exit, those in the plan at its exit share what it still holds (notes the
        # platform's book could not buy); before, those still in it.
        members = {s.investor_id: s.amount for s in everyone if s.exited_at == plan.exited_at}
        shares = holdings_of({"cash": cash, "notes": notes, "accrued": accrued}, members)
        nothing = {"cash": 0, "notes": 0, "accrued": 0}
        for s in stakes:
            if s.plan_id != plan_id:
                continue
            if s.id in exits:
                views.append(await _exit_view(session, s, plan, exits[s.id], now))
                continue
            mine = shares.get(s.investor_id, nothing)
            views.append(StakeView(s, plan, mine["cash"], mine["notes"], mine["accrued"]))
    return views


_CLAIM_CLOSED = text(
    """
    SELECT id FROM wealth_plan
    WHERE state = 'OPEN' AND closes_at <= :now AND id <> ALL(CAST(:skip AS uuid[]))
    ORDER BY closes_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
    """
)


async def start_investing(session: AsyncSession, plan: LendingPlan, now: datetime) -> None:
    """The plan's window has closed: its cash to its holder's wallet, and its rule."""
    if plan.subscribed:
        await post_by_key(
            session,
            now=now,
            legs=[
                KeyedLeg(
                    plan_cash_key(plan.id, plan.currency),
                    wallet_key(plan.holder_id, plan.currency),
                    plan.subscribed,
                    "PLAN_INVESTING",
                    {"plan_id": str(plan.id)},
                )
            ],
        )
    rule = AutoInvestRuleRow(
        investor_id=plan.holder_id,
        currency=plan.currency,
        grades=list(plan.grades),
        min_term_months=1,
        max_term_months=plan.term_months,
        min_rate=plan.target_rate,
        max_per_loan=round_half_up(plan.subscribed * Fraction(plan.max_loan_share)),
        daily_budget=plan.capacity,
        active=plan.subscribed > 0,
        created_at=now,
        updated_at=now,
    )
    session.add(rule)
    await session.flush()
    plan.rule_id = rule.id
    plan.state = PlanState.INVESTING.value
    plan.updated_at = now
    session.add(plan)


async def start_closed_plans(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """The worker's job: every plan whose window has closed starts investing, each in its
    own transaction (any number of workers: SKIP LOCKED); how many started."""

    async def claim(session: AsyncSession, skip: list[UUID]) -> UUID | None:
        found = await (await session.connection()).execute(
            _CLAIM_CLOSED, {"now": clock.now(), "skip": skip}
        )
        return found.scalar()

    async def start(session: AsyncSession, plan_id: UUID) -> None:
        plan = await session.get(LendingPlan, plan_id, populate_existing=True)
        assert plan is not None
        await start_investing(session, plan, clock.now())

    return await each_claimed(sessions, claim, start, logger=logger, failure="plan not started")


async def my_stakes(session: AsyncSession, *, actor: Actor, clock: Clock) -> list[StakeView]:
    """The caller's plan stakes, oldest first."""
    investor = actor.require_person()
    query = (
        select(PlanStake)
        .where(col(PlanStake.investor_id) == investor)
        .order_by(col(PlanStake.created_at), col(PlanStake.id))
    )
    return await stake_views(session, list((await session.exec(query)).all()), now=clock.now())


async def plans_by_id(session: AsyncSession, ids: list[UUID]) -> list[LendingPlan]:
    query = select(LendingPlan).where(col(LendingPlan.id).in_(ids))
    return list((await session.exec(query)).all())


async def stakes_by_id(
    session: AsyncSession, *, actor: Actor, clock: Clock, ids: list[UUID]
) -> list[StakeView]:
    """Stakes of `ids` the caller may see: its own (operators: any)."""
    query = select(PlanStake).where(col(PlanStake.id).in_(ids))
    rows = [s for s in (await session.exec(query)).all() if actor.may_see(s.investor_id)]
    return await stake_views(session, rows, now=clock.now())
