"""Receiving a repayment: allocated penalty -> fees -> interest -> principal, oldest
installment first (allocation.py), or ahead of the schedule under the product's
early-repayment rule when the borrower prepays (early_allocation.py), shared exactly among
the note holders and the platform (distribution.py), and posted as one journal, in the
caller's transaction.

Principal runs back through the loan's books: the borrower's wallet credits the receivable
and the escrow pays each holder; interest and penalty go from the wallet to the holders,
the platform's spread and fees to its revenue accounts.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from enum import Enum
from uuid import UUID, uuid4

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.ledger.services.account_locks import AccountKey, KeyedLeg
from domain.lending.allocation import InstallmentDue, RepaymentAllocation, allocate_repayment
from domain.lending.distribution import (
    NoteHolding,
    ReceivedRepayment,
    RepaymentDistribution,
    distribute_repayment,
)
from domain.lending.early_allocation import EarlyRepaymentAllocation, allocate_early_repayment
from domain.lending.early_repayment import split_at
from domain.lending.fees import fee_stream, fees_paid_by_name, spread_fee_parts
from domain.lending.products import LoanProduct
from domain.lending.schedule import RepaymentMethod, RoundingMode
from domain.lending.services.accounts import (
    holder_key,
    loan_escrow_key,
    loan_receivable_key,
    revenue_key,
)
from domain.lending.services.book_repayment import book_repayment
from domain.lending.states import LoanEvent, LoanState, NoteStatus, transition
from domain.lending.tables import Loan, LoanInstallment, LoanNote, Repayment

# A fee the product's rules do not name (none should be) is booked as "installment_fee".
INTEREST_SPREAD, INSTALLMENT_FEE = "interest_spread", "installment_fee"


class RepaymentScope(Enum):
    """How far ahead of the schedule a repayment may go."""

    DUE = "DUE"  # only what is due: the automatic debit
    NEXT_INSTALLMENT = "NEXT_INSTALLMENT"  # and the next installment, as scheduled
    PREPAY = "PREPAY"  # and beyond, under the product's early-repayment rule


def due_of(row: LoanInstallment, period_start: date | None) -> InstallmentDue:
    """What is still owed on an installment row, as the allocation rules read it."""
    return InstallmentDue(
        number=row.number,
        due_date=row.due_date,
        principal=row.principal_due - row.principal_paid,
        interest=row.interest_due - row.interest_paid,
        fees=row.fee_due - row.fee_paid,
        penalty=row.penalty_accrued - row.penalty_paid,
        period_start=period_start,
        interest_paid=row.interest_paid,
    )


async def schedule_of(
    session: AsyncSession, loan_id: UUID, *, lock: bool = True
) -> list[LoanInstallment]:
    """Every installment of the loan, by number (paid ones give periods their start)."""
    query = (
        select(LoanInstallment)
        .where(col(LoanInstallment.loan_id) == loan_id)
        .order_by(col(LoanInstallment.number))
    )
    rows = await session.exec(query.with_for_update() if lock else query)
    return list(rows.all())


def open_dues(loan: Loan, rows: list[LoanInstallment]) -> list[InstallmentDue]:
    """What is still owed on each unpaid installment, its period starting at the previous
    due date (the first at disbursement), as the early-repayment rules read it."""
    assert loan.disbursed_at is not None
    starts = [loan.disbursed_at.astimezone(UTC).date(), *(row.due_date for row in rows[:-1])]
    pairs = zip(rows, starts, strict=True)
    return [due_of(row, start) for row, start in pairs if row.paid_at is None]


async def live_notes(session: AsyncSession, loan_id: UUID) -> list[LoanNote]:
    rows = await session.exec(
        select(LoanNote)
        .where(col(LoanNote.loan_id) == loan_id, col(LoanNote.status) == NoteStatus.ACTIVE.value)
        .order_by(col(LoanNote.id))
    )
    return list(rows.all())


async def receive_repayment(
    session: AsyncSession,
    *,
    loan: Loan,
    amount: int,
    from_account: AccountKey,
    payer_id: UUID | None,
    kind: str,
    product: LoanProduct,
    now: datetime,
    scope: RepaymentScope = RepaymentScope.DUE,
) -> Repayment | None:
    """Apply up to `amount` from `from_account` to the locked, ACTIVE loan sold under
    `product`, as far ahead as `scope` lets it (PREPAY: under the product's early-repayment
    rule); None if nothing was owed. What exceeds what may be paid stays where it was."""
    today = now.astimezone(UTC).date()
    rows = await schedule_of(session, loan.id)
    dues = open_dues(loan, rows)
    if scope is RepaymentScope.PREPAY:
        plan = allocate_early_repayment(
            amount,
            dues,
            on=today,
            rule=product.early_repayment,
            annual_rate=loan.borrower_rate,
            method=RepaymentMethod(loan.repayment_method),
            rounding=RoundingMode[loan.rounding],
        )
    else:
        due_now, future = split_at(dues, today)
        ahead = future[:1] if scope is RepaymentScope.NEXT_INSTALLMENT else []
        plan = EarlyRepaymentAllocation(allocate_repayment(amount, due_now + ahead), (), 0)
    allocation = plan.allocation
    if allocation.applied == 0:
        return None
    received = ReceivedRepayment.of(allocation)
    notes = await live_notes(session, loan.id)
    shares = distribute_repayment(
        received,
        [
            NoteHolding(
                str(n.id), str(n.holder_id), n.principal - n.principal_received, n.annual_rate
            )
            for n in notes
        ],
        borrower_rate=loan.borrower_rate,
    )
    fees = _fees_by_stream(product, loan, rows, allocation) if received.fees else {}
    legs = _legs(
        loan=loan,
        notes=notes,
        shares=shares,
        fees=fees,
        principal=received.principal,
        from_account=from_account,
    )
    _apply_to_schedule(rows, plan, now)
    by_note = {str(n.id): n for n in notes}
    for payout in shares.payouts:
        note = by_note[payout.note_id]
        note.principal_received += payout.principal
        note.interest_received += payout.interest + payout.penalty
    repayment = Repayment(
        loan_id=loan.id,
        payer_id=payer_id,
        kind=kind,
        amount=allocation.applied,
        penalty=received.penalty,
        fees=received.fees,
        interest=received.interest,
        principal=received.principal,
        allocation=[
            {
                "number": p.number,
                "penalty": p.penalty,
                "fees": p.fees,
                "interest": p.interest,
                "principal": p.principal,
            }
            for p in allocation.installments
        ],
        distribution=[
            {
                "note": p.note_id,
                "holder": p.holder_id,
                "principal": p.principal,
                "interest": p.interest,
                "penalty": p.penalty,
            }
            for p in shares.payouts
        ]
        + [{"platform": INTEREST_SPREAD, "amount": shares.platform_spread}]
        + [{"platform": stream, "amount": part} for stream, part in fees.items()],
        journal_id=uuid4(),
        created_at=now,
    )
    if all(row.paid_at is not None for row in rows):
        loan.state = transition(LoanState(loan.state), LoanEvent.REPAID).value
        loan.ended_at = now
        for note in notes:
            note.status = NoteStatus.CLOSED.value
    return await book_repayment(
        session,
        loan=loan,
        repayment=repayment,
        legs=legs,
        audience=[loan.borrower_id, *(n.holder_id for n in notes)],
        principal_prepaid=plan.principal_prepaid,
        rescheduled=bool(plan.remaining) and not plan.paid_off,
        now=now,
    )


def _apply_to_schedule(
    rows: list[LoanInstallment], plan: EarlyRepaymentAllocation, now: datetime
) -> None:
    """Book what each installment received, then rewrite what the installments not yet due
    still owe (re-amortised, or nothing once paid off)."""
    by_number = {row.number: row for row in rows}
    for part in plan.allocation.installments:
        row = by_number[part.number]
        row.principal_paid += part.principal
        row.interest_paid += part.interest
        row.fee_paid += part.fees
        row.penalty_paid += part.penalty
    for left in plan.remaining:
        row = by_number[left.number]
        row.principal_due = row.principal_paid + left.principal
        row.interest_due = row.interest_paid + left.interest
        row.fee_due = row.fee_paid + left.fees
        row.penalty_accrued = row.penalty_paid + left.penalty
    for row in rows:
        if row.paid_at is None and due_of(row, None).total == 0:
            row.paid_at = now


def _fees_by_stream(
    product: LoanProduct, loan: Loan, rows: list[LoanInstallment], allocation: RepaymentAllocation
) -> dict[str, int]:
    """The fees received, by the revenue stream of the product's fee each unit settles (read
    before the schedule takes the payment: each installment's fees are paid in rule order)."""
    parts = spread_fee_parts(product.fees, principal=loan.principal, installments=loan.term_months)
    by_number = {row.number: row for row in rows}
    streams: Counter[str] = Counter()
    for item in allocation.installments:
        if item.fees:
            named = fees_paid_by_name(
                parts[item.number - 1],
                paid_now=item.fees,
                paid_before=by_number[item.number].fee_paid,
            )
            for name, amount in named.items():
                streams[fee_stream(name) if name else INSTALLMENT_FEE] += amount
    return dict(sorted(streams.items()))


def _legs(
    *,
    loan: Loan,
    notes: list[LoanNote],
    shares: RepaymentDistribution,
    fees: dict[str, int],
    principal: int,
    from_account: AccountKey,
) -> list[KeyedLeg]:
    currency, tag = loan.currency, {"loan": str(loan.id)}
    legs = []
    if principal:
        receivable = loan_receivable_key(loan.id, currency)
        legs.append(KeyedLeg(from_account, receivable, principal, "LOAN_PRINCIPAL", tag))
    escrow = loan_escrow_key(loan.id, currency)
    by_note = {str(n.id): n for n in notes}
    for payout in shares.payouts:
        account = holder_key(by_note[payout.note_id], currency)
        if payout.principal:
            legs.append(KeyedLeg(escrow, account, payout.principal, "LOAN_PRINCIPAL", tag))
        if payout.interest + payout.penalty:
            legs.append(
                KeyedLeg(
                    from_account, account, payout.interest + payout.penalty, "LOAN_INTEREST", tag
                )
            )
    for stream, part in ((INTEREST_SPREAD, shares.platform_spread), *fees.items()):
        if part:
            revenue = revenue_key(stream, currency)
            legs.append(KeyedLeg(from_account, revenue, part, stream.upper(), tag))
    return legs
