"""A loan past the product's default threshold: the cover (the platform's guarantee fund,
or a guarantor's or insurer's wallet) pays each note holder its share of the principal
they are still owed, and the claim for it passes to the cover; only the uncovered rest is
written off. What the cover owed beyond what its account held is its shortfall, stated in
the payout's row and the event, never silent. Later recoveries: receive_recovery.py."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.services.outbox import emit
from domain.ledger.services.account_locks import KeyedLeg, lock_accounts_by_key, post_by_key
from domain.lending.events import LoanDefaulted
from domain.lending.products import CoverKind, LoanProduct
from domain.lending.recovery import cover_amount, cover_due
from domain.lending.services.accounts import (
    cover_key,
    holder_key,
    loan_escrow_key,
    loan_receivable_key,
)
from domain.lending.services.receive_repayment import live_notes
from domain.lending.states import LoanEvent, LoanState, NoteStatus, transition
from domain.lending.tables import Loan, Repayment
from domain.money import split_exactly


async def default_loan(
    session: AsyncSession, *, loan: Loan, product: LoanProduct, now: datetime
) -> None:
    """Default the locked, ACTIVE loan: cover paid out and its claim kept, the rest written
    off; the notes stay as claims on what the borrower may still repay."""
    notes = await live_notes(session, loan.id)
    owed = [n.principal - n.principal_received for n in notes]
    outstanding = sum(owed)
    currency, tag = loan.currency, {"loan": str(loan.id)}
    payout = product.cover.payout_kind  # INSURANCE, GUARANTEE or GUARANTEE_FUND
    legs: list[KeyedLeg] = []
    cover = 0
    due = cover_due(product.cover, outstanding)
    covered: list[dict[str, object]] = []
    if product.cover.kind is not CoverKind.NONE and outstanding:
        account = cover_key(product.cover, currency)
        locked = (await lock_accounts_by_key(session, {account}, now=now))[account]
        cover = cover_amount(product.cover, outstanding, available=locked.balances.available_credit)
        for note, part in zip(notes, split_exactly(cover, owed), strict=True):
            if part:
                holder = holder_key(note, currency)
                legs.append(KeyedLeg(account, holder, part, f"{payout}_COVER", tag))
                note.principal_received += part
                covered.append({"note": str(note.id), "holder": str(note.holder_id), "cover": part})
    if outstanding:
        # What the cover paid stays on the loan's books: the borrower now owes it the cover.
        if outstanding - cover:
            escrow = loan_escrow_key(loan.id, currency)
            receivable = loan_receivable_key(loan.id, currency)
            legs.append(KeyedLeg(escrow, receivable, outstanding - cover, "LOAN_WRITE_OFF", tag))
        journal = uuid4()
        await post_by_key(session, legs=legs, now=now, journal_id=journal)
        if product.cover.kind is not CoverKind.NONE:
            session.add(
                Repayment(
                    loan_id=loan.id,
                    payer_id=product.cover.provider_id,
                    kind=payout,
                    amount=cover,
                    principal=cover,
                    shortfall=due - cover,
                    distribution=covered,
                    journal_id=journal,
                    created_at=now,
                )
            )
    for note in notes:
        note.status = NoteStatus.DEFAULTED.value
    loan.state = transition(LoanState(loan.state), LoanEvent.DEFAULT_THRESHOLD_PASSED).value
    loan.ended_at = now
    loan.version += 1
    await session.flush()
    guarantor = product.cover.provider_id
    defaulted = LoanDefaulted(
        loan_id=str(loan.id),
        outstanding=outstanding,
        covered=cover,
        written_off=outstanding - cover,
        cover_kind=product.cover.kind.value,
        paid_by=payout if cover else None,
        cover_provider=str(guarantor) if guarantor and cover else None,
        cover_due=due,
        shortfall=due - cover,
        currency=currency,
    )
    await emit(
        session,
        defaulted,
        aggregate_id=loan.id,
        occurred_at=now,
        audience=[
            loan.borrower_id,
            *(n.holder_id for n in notes),
            *([guarantor] if guarantor and cover else []),
        ],
    )
