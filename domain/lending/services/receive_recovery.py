"""Money a borrower pays on a defaulted loan: to the claim the cover took over first (back
to the guarantor's or insurer's account, or the platform's guarantee fund), then to the
funders for the principal the cover left them (recovery.py); the rest stays with the payer.

The covered principal is still on the loan's books (default.py): its recovery credits the
receivable and the escrow pays the cover. The funders' uncovered principal was written off,
so what they recover goes to them straight from the payer.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.insurance.services.credit_cover import pending_cover
from domain.ledger.services.account_locks import AccountKey, KeyedLeg, lock_accounts_by_key
from domain.lending.products import LoanProduct
from domain.lending.recovery import share_recovery
from domain.lending.services.accounts import (
    cover_key,
    holder_key,
    loan_escrow_key,
    loan_receivable_key,
)
from domain.lending.services.book_repayment import book_repayment
from domain.lending.states import NoteStatus
from domain.lending.tables import Loan, LoanNote, Repayment


async def receive_recovery(
    session: AsyncSession,
    *,
    loan: Loan,
    product: LoanProduct,
    amount: int,
    from_account: AccountKey,
    payer_id: UUID | None,
    now: datetime,
) -> Repayment | None:
    """Apply up to `amount` from `from_account` to the locked, DEFAULTED loan's claims; None
    if nothing is owed on them any more."""
    currency, tag = loan.currency, {"loan": str(loan.id)}
    escrow = loan_escrow_key(loan.id, currency)
    books = (await lock_accounts_by_key(session, {escrow}, now=now))[escrow]
    notes = list(
        (
            await session.exec(
                select(LoanNote)
                .where(
                    col(LoanNote.loan_id) == loan.id,
                    col(LoanNote.status) == NoteStatus.DEFAULTED.value,
                )
                .order_by(col(LoanNote.id))
            )
        ).all()
    )
    # The escrow still owes the cover exactly what the borrower has not repaid of it, less
    # what it keeps for a credit claim its insurer has not paid yet (still the funders').
    shares = share_recovery(
        amount,
        guarantor_claim=books.balances.available_credit - await pending_cover(session, loan.id),
        note_claims=[n.principal - n.principal_received for n in notes],
    )
    if shares.applied == 0:
        return None
    legs: list[KeyedLeg] = []
    distribution: list[dict[str, object]] = []
    if shares.guarantor:
        cover = cover_key(product.cover, currency)
        receivable = loan_receivable_key(loan.id, currency)
        legs += [
            KeyedLeg(from_account, receivable, shares.guarantor, "LOAN_RECOVERY", tag),
            KeyedLeg(escrow, cover, shares.guarantor, "LOAN_RECOVERY", tag),
        ]
        provider = product.cover.provider_id
        distribution.append(
            {"cover": str(provider) if provider else None, "amount": shares.guarantor}
        )
    for note, part in zip(notes, shares.notes, strict=True):
        if part:
            holder = holder_key(note, currency)
            legs.append(KeyedLeg(from_account, holder, part, "LOAN_RECOVERY", tag))
            note.principal_received += part
            distribution.append(
                {
                    "note": str(note.id),
                    "holder": str(note.holder_id),
                    "principal": part,
                    "interest": 0,
                    "penalty": 0,
                }
            )
    repayment = Repayment(
        loan_id=loan.id,
        payer_id=payer_id,
        kind="RECOVERY",
        amount=shares.applied,
        principal=shares.applied,
        distribution=distribution,
        journal_id=uuid4(),
        created_at=now,
    )
    guarantor = product.cover.provider_id
    return await book_repayment(
        session,
        loan=loan,
        repayment=repayment,
        legs=legs,
        audience=[
            loan.borrower_id,
            *(n.holder_id for n in notes),
            *([guarantor] if guarantor and shares.guarantor else []),
        ],
        to_cover=shares.guarantor,
        to_funders=sum(shares.notes),
        now=now,
    )
