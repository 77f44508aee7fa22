"""What borrowers, investors, banks and the operator read about loans: my loans, a funder's
portfolio and received repayments, and the book's quality by delinquency bucket and grade."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.errors import DomainError
from domain.lending.distribution import NoteHolding, ReceivedRepayment, distribute_repayment
from domain.lending.overdue import DelinquencyBucket, bucket_for
from domain.lending.services.open_listings import ListingFilter, open_listings
from domain.lending.states import LoanState, NoteStatus
from domain.lending.tables import Loan, LoanInstallment, LoanNote, Repayment
from domain.participants.roles import Role, Scope


async def my_loans(
    session: AsyncSession, *, actor: Actor, ids: Collection[UUID] | None = None
) -> list[Loan]:
    """The caller's loans as a borrower, newest first; only those of `ids` when given."""
    borrower_id = actor.require_person()
    query = select(Loan).where(col(Loan.borrower_id) == borrower_id)
    if ids is not None:
        query = query.where(col(Loan.id).in_(ids))
    rows = await session.exec(query.order_by(col(Loan.listed_at).desc(), col(Loan.id)))
    return list(rows.all())


async def visible_loans(
    session: AsyncSession, *, actor: Actor, now: datetime, ids: Collection[UUID]
) -> list[Loan]:
    """The loans of `ids` some query shows the caller: open listings (any participant), the
    borrower's own (myLoans), a partner bank's funded ones (fundedLoans)."""
    found: dict[UUID, Loan] = {}
    reads = (
        open_listings(
            session, actor=actor, now=now, filters=ListingFilter(), limit=len(ids), ids=ids
        ),
        my_loans(session, actor=actor, ids=ids),
        _funded_only(session, actor=actor, ids=ids),
    )
    for read in reads:
        try:
            found.update((loan.id, loan) for loan in await read)
        except DomainError:  # not a borrower, not a bank: that query shows nothing
            continue
    return list(found.values())


async def _funded_only(session: AsyncSession, *, actor: Actor, ids: Collection[UUID]) -> list[Loan]:
    return [loan for loan, _ in await funded_loans(session, actor=actor, ids=ids)]


def note_holder(actor: Actor) -> UUID:
    """Who reads notes as their holder: a participant; a key needs offers:read."""
    holder_id = actor.require_participant()
    if actor.api_key_id is not None:
        actor.require_scope(Scope.OFFERS_READ)
    return holder_id


@dataclass(frozen=True, slots=True)
class Portfolio:
    currency: str
    outstanding_principal: int
    interest_earned: int  # interest and penalty received
    expected_interest: int  # the holder's share of the interest still scheduled
    overdue_principal: int  # outstanding on loans with an installment past due
    notes: list[LoanNote]


async def portfolio(session: AsyncSession, *, actor: Actor, currency: str) -> Portfolio:
    """An investor's (or bank's) notes and what they add up to."""
    holder_id = note_holder(actor)
    notes = list(
        (
            await session.exec(
                select(LoanNote)
                .join(Loan, col(Loan.id) == col(LoanNote.loan_id))
                .where(col(LoanNote.holder_id) == holder_id, col(Loan.currency) == currency)
                .order_by(col(LoanNote.created_at).desc(), col(LoanNote.id))
            )
        ).all()
    )
    live = [n for n in notes if n.status == NoteStatus.ACTIVE.value]
    loan_ids = {n.loan_id for n in live}
    overdue_loans = set(
        (
            await session.exec(
                select(LoanInstallment.loan_id).where(
                    col(LoanInstallment.loan_id).in_(loan_ids),
                    col(LoanInstallment.paid_at).is_(None),
                    col(LoanInstallment.days_past_due) > 0,
                )
            )
        ).all()
    )
    remaining = await _interest_left(session, loan_ids)
    outstanding_by_loan: defaultdict[UUID, int] = defaultdict(int)
    for note in live:
        outstanding_by_loan[note.loan_id] += note.principal - note.principal_received
    expected = await _expected_interest(session, holder_id, remaining)
    return Portfolio(
        currency=currency,
        outstanding_principal=sum(outstanding_by_loan.values()),
        interest_earned=sum(n.interest_received for n in notes),
        expected_interest=expected,
        overdue_principal=sum(v for k, v in outstanding_by_loan.items() if k in overdue_loans),
        notes=notes,
    )


async def _expected_interest(
    session: AsyncSession, holder_id: UUID, remaining: dict[UUID, int]
) -> int:
    """The holder's share of each loan's interest still scheduled, as distribution would
    pay it (every note's weight, the holder's own rate)."""
    if not remaining:
        return 0
    loans = {
        loan.id: loan
        for loan in (await session.exec(select(Loan).where(col(Loan.id).in_(remaining)))).all()
    }
    notes: defaultdict[UUID, list[NoteHolding]] = defaultdict(list)
    for n in (
        await session.exec(
            select(LoanNote).where(
                col(LoanNote.loan_id).in_(remaining),
                col(LoanNote.status) == NoteStatus.ACTIVE.value,
            )
        )
    ).all():
        left = n.principal - n.principal_received
        notes[n.loan_id].append(NoteHolding(str(n.id), str(n.holder_id), left, n.annual_rate))
    expected = 0
    for loan_id, interest in remaining.items():
        shares = distribute_repayment(
            ReceivedRepayment(principal=0, interest=interest),
            notes[loan_id],
            borrower_rate=loans[loan_id].borrower_rate,
        )
        expected += sum(p.interest for p in shares.payouts if p.holder_id == str(holder_id))
    return expected


async def _interest_left(session: AsyncSession, loan_ids: set[UUID]) -> dict[UUID, int]:
    rows = await session.exec(
        select(
            LoanInstallment.loan_id,
            func.sum(LoanInstallment.interest_due - LoanInstallment.interest_paid),
        )
        .where(col(LoanInstallment.loan_id).in_(loan_ids))
        .group_by(col(LoanInstallment.loan_id))
    )
    return {loan_id: int(left) for loan_id, left in rows.all()}


async def funded_loans(
    session: AsyncSession, *, actor: Actor, ids: Collection[UUID] | None = None
) -> list[tuple[Loan, LoanNote]]:
    """A partner bank's loans, with its note in each, newest first; only the loans of `ids`
    when given."""
    bank_id = actor.require_role(Role.PARTNER_BANK)
    actor.require_scope(Scope.OFFERS_READ)
    query = (
        select(Loan, LoanNote)
        .join(LoanNote, col(LoanNote.loan_id) == col(Loan.id))
        .where(col(LoanNote.holder_id) == bank_id, col(LoanNote.funder_kind) == "BANK")
    )
    if ids is not None:
        query = query.where(col(Loan.id).in_(ids))
    rows = await session.exec(query.order_by(col(LoanNote.created_at).desc(), col(LoanNote.id)))
    return list(rows.all())


@dataclass(frozen=True, slots=True)
class ReceivedShare:
    repayment: Repayment
    currency: str
    principal: int
    interest: int  # interest and penalty


async def repayments_received(session: AsyncSession, *, actor: Actor) -> list[ReceivedShare]:
    """A funder's shares of the repayments on its loans, newest first."""
    holder_id = actor.require_participant()
    actor.require_scope(Scope.OFFERS_READ)
    loans = select(LoanNote.loan_id).where(col(LoanNote.holder_id) == holder_id)
    rows = await session.exec(
        select(Repayment, Loan.currency)
        .join(Loan, col(Loan.id) == col(Repayment.loan_id))
        .where(col(Repayment.loan_id).in_(loans))
        .order_by(col(Repayment.created_at).desc(), col(Repayment.id))
    )
    shares = []
    for repayment, currency in rows.all():
        mine = [d for d in repayment.distribution if d.get("holder") == str(holder_id)]
        if mine:
            shares.append(
                ReceivedShare(
                    repayment,
                    currency,
                    sum(d.get("principal", 0) + d.get("cover", 0) for d in mine),
                    sum(d.get("interest", 0) + d.get("penalty", 0) for d in mine),
                )
            )
    return shares


@dataclass(frozen=True, slots=True)
class BucketTotal:
    bucket: DelinquencyBucket
    loans: int
    outstanding_principal: int


@dataclass(frozen=True, slots=True)
class GradeTotal:
    grade: str
    loans: int
    outstanding_principal: int
    overdue_principal: int  # outstanding on installments past due
    late_loans: int  # loans with an installment past due


@dataclass(frozen=True, slots=True)
class _ActiveLoan:
    grade: str
    worst_days_past_due: int
    outstanding: int
    overdue: int


async def _active_book(session: AsyncSession, currency: str) -> list[_ActiveLoan]:
    """Each active loan in `currency`: its grade, its worst delinquency, what it still owes
    of principal and how much of that is past due."""
    remaining = LoanInstallment.principal_due - LoanInstallment.principal_paid
    rows = await (await session.connection()).execute(
        sa.select(
            col(LoanInstallment.loan_id),
            col(Loan.grade),
            func.max(LoanInstallment.days_past_due),
            func.sum(remaining),
            func.sum(case((col(LoanInstallment.days_past_due) > 0, remaining), else_=0)),
        )
        .join(Loan, col(Loan.id) == col(LoanInstallment.loan_id))
        .where(col(Loan.state) == LoanState.ACTIVE.value, col(Loan.currency) == currency)
        .group_by(col(LoanInstallment.loan_id), col(Loan.grade))
    )
    return [
        _ActiveLoan(grade, int(worst), int(outstanding), int(overdue))
        for _, grade, worst, outstanding, overdue in rows.all()
    ]


async def portfolio_quality(
    session: AsyncSession, *, actor: Actor, currency: str
) -> list[BucketTotal]:
    """The operator's view: active loans and their outstanding principal by the bucket of
    their most overdue installment."""
    actor.require_operator()
    counts: defaultdict[DelinquencyBucket, list[int]] = defaultdict(lambda: [0, 0])
    for loan in await _active_book(session, currency):
        totals = counts[bucket_for(loan.worst_days_past_due)]
        totals[0] += 1
        totals[1] += loan.outstanding
    return [BucketTotal(b, *counts[b]) for b in DelinquencyBucket]


async def book_by_grade(session: AsyncSession, *, actor: Actor, currency: str) -> list[GradeTotal]:
    """The operator's view of the book's quality: active loans by risk grade, what they owe
    and how much of it is overdue, best grade first."""
    actor.require_operator()
    totals: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for loan in await _active_book(session, currency):
        grade = totals[loan.grade]
        grade[0] += 1
        grade[1] += loan.outstanding
        grade[2] += loan.overdue
        grade[3] += loan.worst_days_past_due > 0
    return [GradeTotal(g, *totals[g]) for g in sorted(totals)]
