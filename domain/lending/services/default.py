"""A loan past the product's default threshold: the cover (guarantee fund) pays each note
holder its share of what they are still owed, and the rest of the loan is written off."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from uuid import uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.catalog import EventType
from domain.events.services.outbox import record_event
from domain.ledger.services.posting import Leg, lock_accounts, post_transfers
from domain.lending.products import CoverKind, LoanProduct
from domain.lending.services.accounts import (
    guarantee_fund,
    holder_account,
    loan_escrow,
    loan_receivable,
)
from domain.lending.services.repayments import live_notes
from domain.lending.states import LoanEvent, LoanState, NoteStatus, transition
from domain.lending.tables import Loan, Repayment
from domain.money import round_half_up, split_exactly


async def default_loan(
    session: AsyncSession, *, loan: Loan, product: LoanProduct, now: datetime
) -> None:
    """Default the locked, ACTIVE loan: cover paid out, the remainder written off."""
    notes = await live_notes(session, loan.id)
    owed = [n.principal - n.principal_received for n in notes]
    outstanding = sum(owed)
    currency, tag = loan.currency, {"loan": str(loan.id)}
    legs: list[Leg] = []
    cover = 0
    covered: list[dict[str, object]] = []
    if product.cover.kind is not CoverKind.NONE and outstanding:
        fund = await guarantee_fund(session, currency=currency, now=now)
        [locked] = (await lock_accounts(session, {fund})).values()
        # The fund pays what it can of its share; it cannot go below zero.
        cover = min(
            round_half_up(outstanding * Fraction(product.cover.share)),
            locked.balances.available_credit,
        )
        for note, part in zip(notes, split_exactly(cover, owed), strict=True):
            if part:
                account = await holder_account(session, note=note, currency=currency, now=now)
                legs.append(Leg(fund, account, part, "GUARANTEE_COVER", tag))
                note.principal_received += part
                covered.append({"note": str(note.id), "holder": str(note.holder_id),
                                "cover": part})  # fmt: skip
    if outstanding:
        escrow = await loan_escrow(session, loan_id=loan.id, currency=currency, now=now)
        receivable = await loan_receivable(session, loan_id=loan.id, currency=currency, now=now)
        legs.append(Leg(escrow, receivable, outstanding, "LOAN_WRITE_OFF", tag))
        journal = uuid4()
        await post_transfers(session, legs=legs, now=now, journal_id=journal)
        session.add(
            Repayment(
                loan_id=loan.id,
                payer_id=None,
                kind="GUARANTEE",
                amount=cover,
                principal=cover,
                distribution=covered,
                journal_id=journal,
                created_at=now,
            )
        )
    for note in notes:
        note.status = NoteStatus.CLOSED.value
    loan.state = transition(LoanState(loan.state), LoanEvent.DEFAULT_THRESHOLD_PASSED).value
    loan.ended_at = now
    loan.version += 1
    await session.flush()
    await record_event(
        session, EventType.LOAN_DEFAULTED, aggregate_type="Loan", aggregate_id=loan.id,
        audience=[loan.borrower_id, *(n.holder_id for n in notes)],
        payload={"loan_id": str(loan.id), "outstanding": outstanding, "covered": cover,
                 "written_off": outstanding - cover, "currency": currency},
        occurred_at=now,
    )  # fmt: skip
