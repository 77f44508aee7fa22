"""Shoppers repay their installments: by hand (idempotent), or by the automatic debit job.

A repayment is allocated oldest installment first, penalty before interest before principal
(the lending allocation rule, domain/lending/allocation.py); principal goes back to the platform's
receivable and restores the credit line; each funder gets its share (a bank its principal
and interest at its rate, the platform the spread: domain/consumer_credit/services/claims.py).
The job debits, on or after each due date, what the wallet can pay of what is due, one plan
per transaction, claimed FOR UPDATE SKIP LOCKED; a second run finds nothing more due.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock, today
from domain.consumer_credit.events import PlanRepaymentReceived
from domain.consumer_credit.services.accounts import receivable_account
from domain.consumer_credit.services.claims import claim_legs, claims_of, share_among_claims
from domain.consumer_credit.services.credit_lines import give_back_credit, locked_line
from domain.consumer_credit.services.refund_purchase import installments_of
from domain.consumer_credit.tables import BnplInstallmentRow, BnplPlanRow
from domain.errors import InvalidInput
from domain.events.services.outbox import emit
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.ledger.services.posting import Leg, post_transfers
from domain.lending.allocation import InstallmentDue, allocate_repayment
from domain.lending.distribution import ReceivedRepayment
from domain.money import Money
from domain.payments.tables import PaymentIntent
from domain.unit_of_work import transaction
from domain.wallets.services.accounts import wallet_account, wallet_balances


async def _locked_plan(session: AsyncSession, plan_id: UUID) -> BnplPlanRow | None:
    return (
        await session.exec(
            select(BnplPlanRow)
            .where(col(BnplPlanRow.id) == plan_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()


async def apply_repayment(
    session: AsyncSession, plan: BnplPlanRow, *, amount: int, due_by: date | None, now: datetime
) -> int:
    """Pay up to `amount` of the plan's installments (only those due by `due_by`, if given);
    what was applied."""
    rows = [
        r
        for r in await installments_of(session, plan)
        if r.owed > 0 and (due_by is None or r.due_date <= due_by)
    ]
    allocation = allocate_repayment(
        amount,
        [
            InstallmentDue(
                r.number,
                r.due_date,
                principal=r.principal_due,
                interest=r.interest_due,
                penalty=r.penalty_due,
            )
            for r in rows
        ],
    )
    if allocation.applied == 0:
        return 0
    by_number = {r.number: r for r in rows}
    principal = interest = 0
    for part in allocation.installments:
        row = by_number[part.number]
        row.principal_due -= part.principal
        row.interest_due -= part.interest
        row.penalty_due -= part.penalty
        row.principal_paid += part.principal
        row.interest_paid += part.interest
        row.penalty_paid += part.penalty
        if row.owed == 0:
            row.paid_at = now
        principal, interest = principal + part.principal, interest + part.interest
        session.add(row)
    c = plan.currency
    wallet = await wallet_account(session, owner_id=plan.shopper_id, currency=c, now=now)
    receivable = await receivable_account(session, c, now)
    received = ReceivedRepayment.of(allocation)
    claims = await claims_of(session, plan)
    shares = share_among_claims(plan, claims, received)
    legs = [
        Leg(wallet, receivable, principal, "BNPL_REPAYMENT", {"plan": str(plan.id)}),
        *await claim_legs(session, plan, claims, shares, payer=wallet, now=now),
    ]
    await post_transfers(
        session, legs=[leg for leg in legs if leg.amount > 0], now=now, journal_id=uuid4()
    )
    session.add_all(claims)
    line = await locked_line(session, shopper_id=plan.shopper_id, currency=c)
    give_back_credit(line, principal, now)
    session.add(line)
    plan.interest_paid += interest
    remaining = await installments_of(session, plan)
    if all(r.owed == 0 for r in remaining):
        plan.state = "PAID"
    plan.updated_at = now
    session.add(plan)
    applied: int = allocation.applied
    repaid = PlanRepaymentReceived(
        plan_id=str(plan.id),
        amount=applied,
        principal=received.principal,
        interest=received.interest,
        penalty=received.penalty,
        currency=c,
        plan_state=plan.state,
    )
    await emit(
        session,
        repaid,
        aggregate_id=plan.id,
        occurred_at=now,
        audience=[plan.shopper_id, *(claim.funder_id for claim in claims if claim.funder_id)],
    )
    return applied


@dataclass(frozen=True, slots=True)
class PlanWritten:
    """An installment plan as a use case left it (or, for a replayed answer, as it is now),
    with its installments in order and its payment."""

    plan: BnplPlanRow
    installments: tuple[BnplInstallmentRow, ...]
    intent: PaymentIntent


async def plan_now(session: AsyncSession, plan_id: UUID) -> PlanWritten:
    """A plan, its installments and its payment as they are now (read afresh: the session may
    hold older copies)."""
    plan = await session.get(BnplPlanRow, plan_id, populate_existing=True)
    assert plan is not None  # plans are never deleted
    rows = await installments_of(session, plan)
    intent = await session.get(PaymentIntent, plan.payment_id, populate_existing=True)
    assert intent is not None  # a foreign key
    return PlanWritten(plan, tuple(rows), intent)


@dataclass(frozen=True, slots=True)
class PlanRepaid(StoredAnswer):
    """What a plan repayment's key keeps: the plan and what was applied (minor units)."""

    plan_id: UUID
    applied: int


async def repay_installments(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    plan_id: UUID,
    amount: Money,
    idempotency_key: str,
) -> PlanWritten:
    """The shopper pays `amount` towards the plan from the wallet, oldest installment first;
    more than is owed is not taken."""
    shopper_id = actor.require_person()
    if amount.minor <= 0:
        raise InvalidInput("must be greater than zero", field="amount")
    plan = await session.get(BnplPlanRow, plan_id)
    if plan is None or plan.shopper_id != shopper_id:
        raise NotFound("no such installment plan", field="plan_id")

    written: list[PlanWritten] = []

    async def execute() -> PlanRepaid:
        now = clock.now()
        locked = await _locked_plan(session, plan_id)
        assert locked is not None
        if amount.currency != locked.currency:
            raise InvalidInput(f"the plan is in {locked.currency}", field="amount")
        applied = await apply_repayment(session, locked, amount=amount.minor, due_by=None, now=now)
        if applied == 0:
            raise InvalidInput("nothing is owed on this plan", field="plan_id")
        record(
            session,
            actor=actor,
            action="bnpl.repay",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="BnplPlan",
            target_id=plan_id,
            details={"applied": applied},
        )
        rows = await installments_of(session, locked)  # as just paid (rows the session holds)
        intent = await session.get(PaymentIntent, locked.payment_id)
        assert intent is not None  # a foreign key
        written.append(PlanWritten(locked, tuple(rows), intent))
        return PlanRepaid(plan_id=plan_id, applied=applied)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="bnpl.repay",
        request={"plan": str(plan_id), "amount": amount.minor, "currency": amount.currency},
        execute=execute,
        answer=PlanRepaid,
    )
    return written[0] if written else await plan_now(session, answer.plan_id)


CLAIM_DUE_PLAN = text(
    """
    SELECT p.id FROM bnpl_plan p
    WHERE p.state = 'ACTIVE' AND p.id > :after AND EXISTS (
        SELECT 1 FROM bnpl_installment i
        WHERE i.plan_id = p.id AND i.due_date <= :today AND i.paid_at IS NULL)
    ORDER BY p.id
    LIMIT 1
    FOR UPDATE OF p SKIP LOCKED
    """
)
NO_PLAN = UUID(int=0)


async def collect_due_installments(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, limit: int = 500
) -> int:
    """Debit what each shopper's wallet can pay of what is due; plans debited."""
    debited, after, day = 0, NO_PLAN, today(clock)
    for _ in range(limit):
        async with transaction(sessions) as session:
            found = (
                await (await session.connection()).execute(
                    CLAIM_DUE_PLAN, {"today": day, "after": after}
                )
            ).scalar()
            if found is None:
                break
            after = found
            plan = await _locked_plan(session, found)
            assert plan is not None
            balances = await wallet_balances(session, owner_id=plan.shopper_id)
            available = sum(b.available.minor for b in balances if b.currency == plan.currency)
            if available > 0 and await apply_repayment(
                session, plan, amount=available, due_by=day, now=clock.now()
            ):
                record(
                    session,
                    actor=Actor.system(),
                    action="bnpl.auto_debit",
                    outcome=Outcome.SUCCESS,
                    at=clock.now(),
                    target_type="BnplPlan",
                    target_id=plan.id,
                )
                debited += 1
    return debited


async def my_plans(
    session: AsyncSession, *, actor: Actor, ids: Collection[UUID] | None = None
) -> list[tuple[BnplPlanRow, list[BnplInstallmentRow]]]:
    """The caller's installment plans, newest first, with their installments; only those
    of `ids` when given."""
    shopper_id = actor.require_person()
    mine = select(BnplPlanRow).where(col(BnplPlanRow.shopper_id) == shopper_id)
    if ids is not None:
        mine = mine.where(col(BnplPlanRow.id).in_(ids))
    plans = (await session.exec(mine.order_by(col(BnplPlanRow.created_at).desc()).limit(100))).all()
    result = []
    for plan in plans:
        rows = (
            await session.exec(
                select(BnplInstallmentRow)
                .where(col(BnplInstallmentRow.plan_id) == plan.id)
                .order_by(col(BnplInstallmentRow.number))
            )
        ).all()
        result.append((plan, list(rows)))
    return result
