"""Investors buy notes of a listed loan: whole notes, within the listing's limits, paid by a
hold on their wallet that is captured when the loan is fully funded."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.lending.errors import FundingRefused
from domain.lending.services.commitments import check_open, commit_funds, lock_loan
from domain.lending.services.portfolio import visible_loans
from domain.lending.states import LoanState, NoteStatus
from domain.lending.tables import Loan, LoanNote, LoanProductRow
from domain.money import Money
from domain.participants.roles import Role
from domain.wallets.services.accounts import wallet_account

NOTES = LoanNote.__table__  # type: ignore[attr-defined]


async def held_by(session: AsyncSession, *, loan_id: UUID, holder_id: UUID) -> int:
    """Principal `holder_id` has committed to the loan so far."""
    query = select(func.coalesce(func.sum(NOTES.c.principal), 0)).where(
        NOTES.c.loan_id == loan_id,
        NOTES.c.holder_id == holder_id,
        NOTES.c.status.in_((NoteStatus.HELD.value, NoteStatus.ACTIVE.value)),
    )
    return int((await (await session.connection()).execute(query)).scalar_one())


def check_purchase(loan: Loan, product: LoanProductRow, amount: Money, already: int) -> None:
    """The listing's rules for one investor's purchase of `amount`."""
    if amount.currency != loan.currency:
        raise InvalidInput(f"the loan is in {loan.currency}", field="amount")
    if amount.minor < product.min_investment or amount.minor % product.note_size:
        size = Money(product.note_size, loan.currency).text()
        least = Money(product.min_investment, loan.currency).text()
        raise InvalidInput(f"must be a multiple of {size}, at least {least}", field="amount")
    cap = int(product.max_investor_share * loan.principal)
    if already + amount.minor > cap:
        most = Money(max(cap - already, 0), loan.currency).text()
        raise FundingRefused(f"one investor may add at most {most} more", field="amount")


@dataclass(frozen=True, slots=True)
class NoteKept(StoredAnswer):
    """What a note purchase's key keeps: the note, its hold on the wallet, and its loan."""

    note_id: UUID
    hold_id: UUID
    loan_id: UUID


@dataclass(frozen=True, slots=True)
class NoteBought:
    """A note bought (first or replayed): the note, its hold, and the loan as it is now."""

    note_id: UUID
    hold_id: UUID
    loan: Loan


async def buy_note(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    loan_id: UUID,
    amount: Money,
    idempotency_key: str,
) -> NoteBought:
    """Commit `amount` of the investor's wallet to a listed loan; the note and its hold."""
    investor_id = actor.require_person()
    actor.require_role(Role.INVESTOR)

    async def execute() -> NoteKept:
        now = clock.now()
        loan = await lock_loan(session, loan_id)
        if loan.state != LoanState.LISTED.value and not await visible_loans(
            session, actor=actor, now=now, ids=[loan_id]
        ):  # not public and not yours: its state must not answer, as for no loan at all
            raise NotFound("no such loan", field="loan_id")
        check_open(loan, now)
        if loan.borrower_id == investor_id:
            raise FundingRefused("you cannot fund your own loan", field="loan_id")
        product = await session.get(LoanProductRow, loan.product_id)
        assert product is not None  # a foreign key
        already = await held_by(session, loan_id=loan_id, holder_id=investor_id)
        check_purchase(loan, product, amount, already)
        wallet = await wallet_account(
            session, owner_id=investor_id, currency=loan.currency, now=now
        )
        note = await commit_funds(
            session,
            loan=loan,
            funder_id=investor_id,
            funder_kind="INVESTOR",
            from_account=wallet,
            amount=amount.minor,
            annual_rate=loan.funder_rate,
            now=now,
        )
        assert note.hold_id is not None  # commit_funds holds the funds
        return NoteKept(note_id=note.id, hold_id=note.hold_id, loan_id=loan_id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="lending.buy_note",
        request={"loan": str(loan_id), "amount": amount.minor, "currency": amount.currency},
        execute=execute,
        answer=NoteKept,
    )
    loan = await session.get(Loan, loan_id)  # the row just locked, or as it is now on a replay
    assert loan is not None  # found by the first attempt; loans are never deleted
    return NoteBought(note_id=answer.note_id, hold_id=answer.hold_id, loan=loan)
