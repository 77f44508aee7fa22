"""Committing a funder's money to a listed loan: a ledger hold into the loan's escrow, a note
for the funder, and the loan's committed total raised, under the loan's row lock.

Every path that funds a loan (an investor's purchase, the matching engine's fills) goes
through here, holding the loan row FOR UPDATE: so the check "is there room left?" and
the raise of `committed` cannot interleave, and the loan is never overfunded (the table's
CHECK says so too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import NotFound
from domain.ledger.balances import TransferKind
from domain.ledger.services.posting import Leg, post_transfers
from domain.lending.errors import FundingRefused
from domain.lending.services.accounts import loan_escrow
from domain.lending.services.disbursement import disburse
from domain.lending.services.product_terms import product_of
from domain.lending.states import LoanEvent, LoanState, NoteStatus, transition
from domain.lending.tables import Loan, LoanNote, LoanProductRow
from domain.money import Money


async def lock_loan(session: AsyncSession, loan_id: UUID) -> Loan:
    """The loan, its row locked until the transaction ends; NotFound if there is none."""
    loan = await session.get(Loan, loan_id, with_for_update=True, populate_existing=True)
    if loan is None:
        raise NotFound("no such loan", field="loan_id")
    return loan


def check_open(loan: Loan, now: datetime) -> None:
    """FundingRefused unless the loan is listed and its funding deadline has not passed."""
    if loan.state != LoanState.LISTED.value:
        raise FundingRefused("the loan is not open for funding", field="loan_id")
    if now >= loan.funding_deadline:
        raise FundingRefused("the loan's funding deadline has passed", field="loan_id")


@dataclass(frozen=True, slots=True)
class Commitment:
    """One funder's money for a loan: `amount` held from `from_account` at `annual_rate`."""

    funder_id: UUID
    funder_kind: str  # INVESTOR or BANK
    from_account: int
    amount: int
    annual_rate: Decimal
    source_id: UUID | None = None  # the bank offer or auto-invest rule behind it


async def commit_funds(
    session: AsyncSession,
    *,
    loan: Loan,
    funder_id: UUID,
    funder_kind: str,
    from_account: int,
    amount: int,
    annual_rate: Decimal,
    now: datetime,
    source_id: UUID | None = None,
) -> LoanNote:
    """Hold `amount` from `from_account` for the locked, open `loan`; the funder's note."""
    commitment = Commitment(funder_id, funder_kind, from_account, amount, annual_rate, source_id)
    [note] = await commit_all(session, loan=loan, commitments=[commitment], now=now)
    return note


async def commit_all(
    session: AsyncSession, *, loan: Loan, commitments: Sequence[Commitment], now: datetime
) -> list[LoanNote]:
    """Hold every commitment for the locked, open `loan` in one posting, all or none; their
    notes. The loan is disbursed if that funds it fully."""
    total = sum(c.amount for c in commitments)
    if total > loan.principal - loan.committed:
        left = Money(loan.principal - loan.committed, loan.currency)
        raise FundingRefused(f"only {left.text()} is left to fund", field="amount")
    escrow = await loan_escrow(session, loan_id=loan.id, currency=loan.currency, now=now)
    tag = {"loan": str(loan.id)}
    hold_ids = await post_transfers(
        session,
        legs=[Leg(c.from_account, escrow, c.amount, "LOAN_FUNDING", tag) for c in commitments],
        now=now,
        kind=TransferKind.PENDING,
    )
    notes = [
        LoanNote(
            loan_id=loan.id,
            holder_id=c.funder_id,
            funder_kind=c.funder_kind,
            source_id=c.source_id,
            principal=c.amount,
            annual_rate=c.annual_rate,
            hold_id=hold_id,
            status=NoteStatus.HELD.value,
            created_at=now,
        )
        for c, hold_id in zip(commitments, hold_ids, strict=True)
    ]
    session.add_all(notes)
    loan.committed += total
    loan.version += 1
    await session.flush()
    if loan.committed == loan.principal:
        loan.state = transition(LoanState(loan.state), LoanEvent.FULLY_COMMITTED).value
        loan.funded_at = now
        product = await session.get(LoanProductRow, loan.product_id)
        assert product is not None  # a foreign key
        await disburse(session, loan=loan, product=product_of(product), now=now)
    return notes
