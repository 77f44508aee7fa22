"""Paying and settling a credit policy's claim on the defaulted loan's books: the insurer's
wallet pays the funders through lending's one cover payout (`pay_funders_cover`); what the
insurer's decision does not pay of what was kept for the claim is written off then."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.insurance.services.accounts import wallet_key
from domain.insurance.tables import Claim, Policy
from domain.ledger.services.account_locks import lock_accounts_by_key
from domain.lending.services.default import pay_funders_cover
from domain.lending.states import NoteStatus
from domain.lending.tables import Loan, LoanNote

PAYOUT = "INSURANCE"


async def _loan_and_notes(session: AsyncSession, policy: Policy) -> tuple[Loan, list[LoanNote]]:
    assert policy.subject_id is not None  # a credit policy covers a loan
    loan = await session.get(Loan, policy.subject_id, with_for_update=True)
    assert loan is not None  # loans are never deleted
    notes = await session.exec(
        select(LoanNote)
        .where(
            col(LoanNote.loan_id) == loan.id,
            col(LoanNote.status) == NoteStatus.DEFAULTED.value,
        )
        .order_by(col(LoanNote.id))
    )
    return loan, list(notes.all())


async def funders_of(session: AsyncSession, claim: Claim) -> list[UUID]:
    """Who a credit claim pays: the holders of the defaulted loan's notes."""
    loan_id = UUID((claim.trigger or "").rsplit(":", 1)[-1])
    holders = await session.exec(
        select(LoanNote.holder_id).where(col(LoanNote.loan_id) == loan_id).distinct()
    )
    return list(holders.all())


async def pay_credit_claim(
    session: AsyncSession, claim: Claim, policy: Policy, amount: int, now: datetime
) -> int | None:
    """Pay `amount` of the claim to the loan's funders, never beyond what they are still
    owed (recoveries may have reached them while the claim waited: the rest is written
    off); what it paid, or None if the insurer's wallet cannot pay it."""
    loan, notes = await _loan_and_notes(session, policy)
    paid = min(amount, sum(n.principal - n.principal_received for n in notes))
    account = wallet_key(claim.insurer_id, claim.currency)
    locked = await lock_accounts_by_key(session, {account}, now=now)
    if locked[account].balances.available_credit < paid:
        return None
    await pay_funders_cover(
        session,
        loan=loan,
        notes=notes,
        account=account,
        amount=paid,
        due=paid,
        payout=PAYOUT,
        payer_id=claim.insurer_id,
        write_off=amount - paid,
        now=now,
    )
    return paid


async def write_off_unapproved(
    session: AsyncSession, claim: Claim, policy: Policy, unapproved: int, now: datetime
) -> None:
    """What was kept on the loan's books for the claim and the decision does not pay."""
    if not unapproved:
        return
    loan, notes = await _loan_and_notes(session, policy)
    await pay_funders_cover(
        session,
        loan=loan,
        notes=notes,
        account=wallet_key(claim.insurer_id, claim.currency),
        amount=0,
        due=0,
        payout=PAYOUT,
        payer_id=claim.insurer_id,
        write_off=unapproved,
        now=now,
    )
