"""Repaying a loan: twelve installments (one late, with penalty) allocated oldest first and
shared exactly among the note holders and the platform; the loan closes and every book
balances."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import event
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock
from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.verification import verify_ledger
from domain.ledger.tables import LedgerAccount
from domain.lending.services.age_installments import age_overdue_installments
from domain.lending.tables import Loan, LoanInstallment, LoanNote, Repayment
from support.lending_life import disbursed_loan, repay
from support.lending_world import fund_wallet, installments_of

Sessions = async_sessionmaker[AsyncSession]


async def _owed(sessions: Sessions, loan: Loan) -> list[LoanInstallment]:
    return await installments_of(sessions, loan.id)


def _left(row: LoanInstallment) -> int:
    return (
        row.principal_due
        + row.interest_due
        + row.fee_due
        + row.penalty_accrued
        - row.principal_paid
        - row.interest_paid
        - row.fee_paid
        - row.penalty_paid
    )


async def test_twelve_repayments_one_late_close_the_loan_to_the_cent(
    sessions: Sessions, clock: FixedClock
) -> None:
    loan, borrower, investors = await disbursed_loan(sessions, clock)
    assert borrower.participant_id
    await fund_wallet(sessions, clock, borrower.participant_id, 200_000)  # interest and penalty
    schedule = await _owed(sessions, loan)

    for row in schedule:
        due = datetime.combine(row.due_date, time(12), tzinfo=clock.now().tzinfo)
        late = row.number == 3
        if late:  # ten days late: the worker ages it each day (no automatic debit here)
            for day in range(1, 11):
                clock.set(due + timedelta(days=day))
                await age_overdue_installments(sessions, clock)
        else:
            clock.set(due)
        [current] = [r for r in await _owed(sessions, loan) if r.number == row.number]
        if current.paid_at is None:
            assert (
                await repay(sessions, clock, borrower, loan, _left(current), f"r{row.number}")
                == "OK"
            )

    rows = await _owed(sessions, loan)
    async with sessions() as session:
        stored = await session.get(Loan, loan.id)
        notes = (await session.exec(select(LoanNote).order_by(col(LoanNote.principal)))).all()
        repayments = (await session.exec(select(Repayment))).all()
        accounts = (await session.exec(select(LedgerAccount))).all()
    assert stored is not None
    assert stored.state == "CLOSED"
    assert all(r.paid_at is not None for r in rows)
    late = rows[2]
    assert late.penalty_accrued > 0
    assert late.penalty_paid == late.penalty_accrued
    assert late.days_past_due == 10
    # every holder got its principal back, and interest and penalty exactly as shared
    assert [n.principal_received for n in notes] == [n.principal for n in notes]
    interest = sum(r.interest for r in repayments)
    penalty = sum(r.penalty for r in repayments)
    spread = sum(
        d["amount"]
        for r in repayments
        for d in r.distribution
        if d.get("platform") == "interest_spread"
    )
    assert sum(n.interest_received for n in notes) + spread == interest + penalty
    assert spread > 0  # borrowers pay 12 %, note holders earn 10 %
    loan_books = [a for a in accounts if a.label == f"loan:{loan.id}"]
    assert {a.kind for a in loan_books} == {
        AccountKind.ESCROW.value,
        AccountKind.LOAN_RECEIVABLE.value,
    }
    assert all(a.debits_posted == a.credits_posted for a in loan_books)
    async with sessions() as session:
        assert (await verify_ledger(session)).consistent
    assert len(investors) == 2


async def test_repaying_nothing_owed_or_someone_elses_loan_is_refused(
    sessions: Sessions, clock: FixedClock
) -> None:
    loan, borrower, investors = await disbursed_loan(sessions, clock)
    schedule = await _owed(sessions, loan)
    total = sum(_left(r) for r in schedule)

    assert await repay(sessions, clock, investors[0], loan, 100, "x") == "NOT_FOUND"
    clock.set(clock.now() + timedelta(days=1))
    # early: only the next installment is payable; the overpayment stays in the wallet
    assert await repay(sessions, clock, borrower, loan, total, "early") == "OK"
    [first, second] = (await _owed(sessions, loan))[:2]
    assert first.paid_at is not None
    assert second.paid_at is None
    assert await repay(sessions, clock, borrower, loan, 0, "zero") == "INVALID_INPUT"


async def test_a_repayment_costs_the_same_statements_for_2_or_6_note_holders(
    sessions: Sessions, clock: FixedClock
) -> None:
    """The holders' accounts are found and locked with the others in one statement, not
    looked up one by one."""
    engine = sessions.kw["bind"].sync_engine

    async def statements_to_repay(shares: tuple[int, ...]) -> int:
        loan, borrower, _ = await disbursed_loan(sessions, clock, shares=shares)
        first = (await _owed(sessions, loan))[0]
        count = 0

        def seen(*_args: object) -> None:
            nonlocal count
            count += 1

        event.listen(engine, "before_cursor_execute", seen)
        try:
            assert await repay(sessions, clock, borrower, loan, _left(first), f"k{loan.id}") == "OK"
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        return count

    await statements_to_repay((600_000, 400_000))  # opens the platform's revenue accounts
    two = await statements_to_repay((600_000, 400_000))
    six = await statements_to_repay((200_000, 200_000, 150_000, 150_000, 150_000, 150_000))
    assert two == six
