"""Receiving a repayment: allocated penalty -> fees -> interest -> principal, oldest
installment first (allocation.py), shared exactly among the note holders and the platform
(distribution.py), and posted as one journal, in the caller's transaction.

Principal runs back through the loan's books: the borrower's wallet credits the receivable
and the escrow pays each holder; interest and penalty go from the wallet to the holders,
the platform's spread and fees to its revenue accounts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.catalog import EventType
from domain.events.services.outbox import record_event
from domain.ledger.services.posting import Leg, post_transfers
from domain.lending.allocation import InstallmentDue, allocate_repayment
from domain.lending.distribution import (
    NoteHolding,
    ReceivedRepayment,
    RepaymentDistribution,
    distribute_repayment,
)
from domain.lending.services.accounts import (
    holder_account,
    loan_escrow,
    loan_receivable,
    platform_revenue,
)
from domain.lending.states import LoanEvent, LoanState, NoteStatus, transition
from domain.lending.tables import Loan, LoanInstallment, LoanNote, Repayment

INTEREST_SPREAD, INSTALLMENT_FEE = "interest_spread", "installment_fee"


def due_of(row: LoanInstallment, period_start: date | None) -> InstallmentDue:
    """What is still owed on an installment row, as the allocation rules read it."""
    return InstallmentDue(
        number=row.number, due_date=row.due_date,
        principal=row.principal_due - row.principal_paid,
        interest=row.interest_due - row.interest_paid, fees=row.fee_due - row.fee_paid,
        penalty=row.penalty_accrued - row.penalty_paid, period_start=period_start,
        interest_paid=row.interest_paid,
    )  # fmt: skip


async def open_installments(session: AsyncSession, loan_id: UUID) -> list[LoanInstallment]:
    rows = await session.exec(
        select(LoanInstallment)
        .where(col(LoanInstallment.loan_id) == loan_id, col(LoanInstallment.paid_at).is_(None))
        .order_by(col(LoanInstallment.number))
        .with_for_update()
    )
    return list(rows.all())


async def live_notes(session: AsyncSession, loan_id: UUID) -> list[LoanNote]:
    rows = await session.exec(
        select(LoanNote)
        .where(col(LoanNote.loan_id) == loan_id, col(LoanNote.status) == NoteStatus.ACTIVE.value)
        .order_by(col(LoanNote.id))
    )
    return list(rows.all())


def payable(installments: list[LoanInstallment], today: date) -> list[LoanInstallment]:
    """What a repayment today may pay: everything due, and the next installment early."""
    due = [row for row in installments if row.due_date <= today]
    upcoming = [row for row in installments if row.due_date > today][:1]
    return due + upcoming


async def receive_repayment(
    session: AsyncSession,
    *,
    loan: Loan,
    amount: int,
    from_account: int,
    payer_id: UUID | None,
    kind: str,
    now: datetime,
    only_due: bool = False,
) -> Repayment | None:
    """Apply up to `amount` from `from_account` to the locked, ACTIVE loan; None if nothing
    was owed. What exceeds what is owed stays where it was."""
    today = now.astimezone(UTC).date()
    rows = await open_installments(session, loan.id)
    offered = [r for r in rows if r.due_date <= today] if only_due else payable(rows, today)
    allocation = allocate_repayment(amount, [due_of(row, None) for row in offered])
    if allocation.applied == 0:
        return None
    received = ReceivedRepayment.of(allocation)
    notes = await live_notes(session, loan.id)
    shares = distribute_repayment(
        received,
        [NoteHolding(str(n.id), str(n.holder_id), n.principal - n.principal_received,
                     n.annual_rate) for n in notes],
        borrower_rate=loan.borrower_rate,
    )  # fmt: skip
    journal = uuid4()
    legs = await _legs(session, loan=loan, notes=notes, received=received, shares=shares,
                       from_account=from_account, now=now)  # fmt: skip
    await post_transfers(session, legs=legs, now=now, journal_id=journal)
    by_number = {row.number: row for row in offered}
    for part in allocation.installments:
        row = by_number[part.number]
        row.principal_paid += part.principal
        row.interest_paid += part.interest
        row.fee_paid += part.fees
        row.penalty_paid += part.penalty
        if due_of(row, None).total == 0:
            row.paid_at = now
    by_note = {str(n.id): n for n in notes}
    for payout in shares.payouts:
        note = by_note[payout.note_id]
        note.principal_received += payout.principal
        note.interest_received += payout.interest + payout.penalty
    repayment = Repayment(
        loan_id=loan.id, payer_id=payer_id, kind=kind, amount=allocation.applied,
        penalty=received.penalty, fees=received.fees, interest=received.interest,
        principal=received.principal,
        allocation=[{"number": p.number, "penalty": p.penalty, "fees": p.fees,
                     "interest": p.interest, "principal": p.principal}
                    for p in allocation.installments],
        distribution=[{"note": p.note_id, "holder": p.holder_id, "principal": p.principal,
                       "interest": p.interest, "penalty": p.penalty} for p in shares.payouts]
        + [{"platform": INTEREST_SPREAD, "amount": shares.platform_spread},
           {"platform": INSTALLMENT_FEE, "amount": shares.platform_fees}],
        journal_id=journal, created_at=now,
    )  # fmt: skip
    session.add(repayment)
    if all(row.paid_at is not None for row in rows):
        loan.state = transition(LoanState(loan.state), LoanEvent.REPAID).value
        loan.ended_at = now
        for note in notes:
            note.status = NoteStatus.CLOSED.value
    loan.version += 1
    await session.flush()
    await record_event(
        session, EventType.REPAYMENT_RECEIVED, aggregate_type="Loan", aggregate_id=loan.id,
        audience=[loan.borrower_id, *(n.holder_id for n in notes)],
        payload={"loan_id": str(loan.id), "repayment_id": str(repayment.id), "kind": kind,
                 "amount": repayment.amount, "principal": received.principal,
                 "interest": received.interest, "penalty": received.penalty,
                 "fees": received.fees, "currency": loan.currency, "loan_state": loan.state},
        occurred_at=now,
    )  # fmt: skip
    return repayment


async def _legs(
    session: AsyncSession,
    *,
    loan: Loan,
    notes: list[LoanNote],
    received: ReceivedRepayment,
    shares: RepaymentDistribution,
    from_account: int,
    now: datetime,
) -> list[Leg]:
    currency, tag = loan.currency, {"loan": str(loan.id)}
    legs = []
    if received.principal:
        receivable = await loan_receivable(session, loan_id=loan.id, currency=currency, now=now)
        legs.append(Leg(from_account, receivable, received.principal, "LOAN_PRINCIPAL", tag))
    escrow = await loan_escrow(session, loan_id=loan.id, currency=currency, now=now)
    by_note = {str(n.id): n for n in notes}
    for payout in shares.payouts:
        note = by_note[payout.note_id]
        account = await holder_account(session, note=note, currency=currency, now=now)
        if payout.principal:
            legs.append(Leg(escrow, account, payout.principal, "LOAN_PRINCIPAL", tag))
        if payout.interest + payout.penalty:
            legs.append(Leg(from_account, account, payout.interest + payout.penalty,
                            "LOAN_INTEREST", tag))  # fmt: skip
    for stream, part in ((INTEREST_SPREAD, shares.platform_spread),
                         (INSTALLMENT_FEE, shares.platform_fees)):  # fmt: skip
        if part:
            revenue = await platform_revenue(session, stream=stream, currency=currency, now=now)
            legs.append(Leg(from_account, revenue, part, stream.upper(), tag))
    return legs
