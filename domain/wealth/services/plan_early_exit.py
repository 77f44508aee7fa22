"""An investor leaves a lending plan before it matures (the rules: plan_exit.py): refused
while the lock-up lasts and once it has matured; after it, once (idempotent), under the
plan's row lock so the shares it is computed from hold still: its share of the plan's cash
(and of notes still being funded) goes at once, its share of the notes being repaid is split
off into notes of the exit's own holder and listed on the secondary market at the maturity
exit's price rule; what they bring reaches the investor less the early-exit fee
(plan_exit_payouts.py), and the exit's row says how far it has got."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.ledger.services.account_locks import KeyedLeg, lock_accounts_by_key, post_by_key
from domain.lending.services.note_split import split_note
from domain.lending.services.secondary_market import fair_price, offer_note, resellable
from domain.lending.states import LoanState, NoteStatus
from domain.lending.tables import Loan, LoanNote
from domain.money import Money
from domain.wallets.services.accounts import wallet_key
from domain.wealth.errors import PlanLockedUp, PlanRefused
from domain.wealth.plan_exit import exit_deadline, lockup_ends, matures_at, note_parts
from domain.wealth.plans import holdings_of
from domain.wealth.services.holders import new_holder
from domain.wealth.services.plan_exit_payouts import exit_updated, pay_out_exit
from domain.wealth.services.plans import plan_holdings
from domain.wealth.services.updates import audit
from domain.wealth.states import PlanExitState, PlanState
from domain.wealth.tables import LendingPlan, PlanEarlyExit, PlanStake


async def _notes_of(
    session: AsyncSession, plan: LendingPlan
) -> tuple[list[tuple[LoanNote, Loan]], list[tuple[LoanNote, Loan]]]:
    """The plan's notes: those being funded or repaid (what plan_holdings counts), and those
    of defaulted loans with a claim left to recover. Their loans are locked too, in id order,
    as a repayment or a recovery locks its loan before it credits the notes: neither can
    credit a note this exit is splitting."""
    rows = await session.exec(
        select(LoanNote, Loan)
        .join(Loan, col(Loan.id) == col(LoanNote.loan_id))
        .where(col(LoanNote.holder_id) == plan.holder_id, col(LoanNote.status).in_(_OWNED))
        .order_by(col(Loan.id), col(LoanNote.id))
        .with_for_update(of=[LoanNote, Loan])
    )
    found = list(rows.all())
    defaulted = [(n, loan) for n, loan in found if n.status == NoteStatus.DEFAULTED.value]
    live = [(n, loan) for n, loan in found if n.status != NoteStatus.DEFAULTED.value]
    return live, [(n, loan) for n, loan in defaulted if _claim(n)]


def _claim(note: LoanNote) -> int:
    return note.principal - note.principal_received


def _carvable(note: LoanNote, loan: Loan) -> bool:
    """A note being repaid can be split and sold; one still being funded cannot."""
    return note.status == NoteStatus.ACTIVE.value and loan.state == LoanState.ACTIVE.value


async def _list_carved(
    session: AsyncSession,
    left: PlanEarlyExit,
    carved: list[tuple[LoanNote, Loan, int]],
    now: datetime,
) -> None:
    """Each part split off to the exit's holder and listed at the maturity exit's price
    rule (a product whose notes cannot be resold: kept for the platform's book)."""
    for note, loan, part in carved:
        mine = await split_note(session, note=note, part=part, to_holder=left.holder_id, now=now)
        if await resellable(session, loan):
            price = await fair_price(session, loan, mine, now)
            await offer_note(session, note=mine, loan=loan, price=price, now=now)


_OWNED = (NoteStatus.HELD.value, NoteStatus.ACTIVE.value, NoteStatus.DEFAULTED.value)


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
        # Loans and notes, then the plan's wallet, locked before they are read (a repayment
        # locks in that order), so the shares below are of what the plan holds until commit.
        live, defaulted = await _notes_of(session, plan)
        await lock_accounts_by_key(session, {wallet_key(plan.holder_id, plan.currency)}, now=now)
        cash, notes = await plan_holdings(session, plan)
        share = holdings_of(
            {"cash": cash, "notes": notes, "claims": sum(_claim(n) for n, _ in defaulted)},
            {s.investor_id: s.amount for s in members},
        )[investor_id]
        parts = note_parts(share["notes"], {n.id: _claim(n) for n, _ in live})
        carved = [(n, loan, parts[n.id]) for n, loan in live if _carvable(n, loan) and parts[n.id]]
        at_once = share["cash"] + share["notes"] - sum(part for _, _, part in carved)
        if at_once > cash:
            have = Money(cash, plan.currency).text()
            raise PlanRefused(
                f"the plan holds {have} in cash now, less than your share of its cash and of "
                "the loans it is funding: try again once they are funded",
                field="plan_id",
            )
        left = PlanEarlyExit(
            plan_id=plan.id,
            stake_id=stake.id,
            investor_id=investor_id,
            holder_id=await new_holder(session, name=f"Early exit: {plan.name}", now=now),
            currency=plan.currency,
            state=PlanExitState.PENDING.value,
            fee_rate=plan.early_exit_fee_rate,
            cash=at_once,
            notes=sum(part for _, _, part in carved),
            note_count=len(carved),
            claims=share["claims"],
            deadline=exit_deadline(now),
            created_at=now,
            updated_at=now,
        )
        session.add(left)
        await session.flush()
        if at_once:
            tag = {"plan_id": str(plan.id), "exit_id": str(left.id)}
            await post_by_key(
                session,
                now=now,
                legs=[
                    KeyedLeg(
                        wallet_key(plan.holder_id, plan.currency),
                        wallet_key(left.holder_id, plan.currency),
                        at_once,
                        "PLAN_EARLY_EXIT",
                        tag,
                    )
                ],
            )
        await _list_carved(session, left, carved, now)
        claim_parts = note_parts(share["claims"], {n.id: _claim(n) for n, _ in defaulted})
        for note, _ in defaulted:
            if claim_parts[note.id]:
                await split_note(
                    session, note=note, part=claim_parts[note.id], to_holder=left.holder_id, now=now
                )
        stake.exited_at = stake.updated_at = plan.updated_at = now
        stake.payout, stake.exit_fee = 0, 0
        plan.investors -= 1
        session.add_all([plan, stake])
        await session.flush()
        if not await pay_out_exit(session, left, now):
            await exit_updated(session, left, now)
        audit(
            session,
            actor,
            "plan.leave_early",
            at=now,
            target_type="PlanStake",
            target_id=stake.id,
            details={"cash": left.cash, "notes": left.notes, "fee": left.fee},
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
