"""The end every way of receiving money on a loan shares (a repayment on the schedule, a
recovery after default): the legs posted as one journal, the repayment kept, the loan's
version moved on, and `lending.repayment_received` told to whoever the money concerns."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.services.outbox import emit
from domain.ledger.services.account_locks import KeyedLeg, post_by_key
from domain.lending.events import LoanRepaymentReceived
from domain.lending.tables import Loan, Repayment


async def book_repayment(
    session: AsyncSession,
    *,
    loan: Loan,
    repayment: Repayment,
    legs: list[KeyedLeg],
    audience: Iterable[UUID],
    now: datetime,
    principal_prepaid: int | None = None,
    rescheduled: bool | None = None,
    to_cover: int | None = None,
    to_funders: int | None = None,
) -> Repayment:
    """Post `legs` as the repayment's journal (their accounts locked in one statement) and
    keep `repayment` on the locked `loan`, whose state the caller has already moved; the
    event carries the repayment's amounts, the loan's state and what only the caller's kind
    knows (a repayment's prepaid principal and rescheduling, a recovery's shares)."""
    await post_by_key(session, legs=legs, now=now, journal_id=repayment.journal_id)
    session.add(repayment)
    loan.version += 1
    await session.flush()
    received = LoanRepaymentReceived(
        loan_id=str(loan.id),
        repayment_id=str(repayment.id),
        kind=repayment.kind,
        amount=repayment.amount,
        principal=repayment.principal,
        interest=repayment.interest,
        penalty=repayment.penalty,
        fees=repayment.fees,
        currency=loan.currency,
        loan_state=loan.state,
        principal_prepaid=principal_prepaid,
        rescheduled=rescheduled,
        to_cover=to_cover,
        to_funders=to_funders,
    )
    await emit(session, received, aggregate_id=loan.id, audience=audience, occurred_at=now)
    return repayment
