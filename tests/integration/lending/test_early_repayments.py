"""Repaying ahead of the schedule under the product's rule: a partial prepayment lowers the
installments not yet due, a payoff closes the loan with the rest left in the wallet, and
every share and book adds up to the unit."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import FixedClock
from domain.events.tables import OutboxEvent
from domain.ledger.services.verification import verify_ledger
from domain.ledger.tables import LedgerAccount
from domain.lending.accrual import accrued_interest
from domain.lending.services.payoff import PayoffQuote, quote_payoff
from domain.lending.states import LoanStateConflict
from domain.lending.tables import Loan, LoanInstallment, LoanNote, Repayment
from support.lending_life import disbursed_loan, repay
from support.lending_world import fund_wallet, installments_of
from support.payments import wallet

Sessions = async_sessionmaker[AsyncSession]


async def _prepay(
    sessions: Sessions, clock: FixedClock, borrower: Actor, loan: Loan, minor: int, key: str
) -> str:
    return await repay(sessions, clock, borrower, loan, minor, key, prepay=True)


async def _quote(sessions: Sessions, clock: FixedClock, actor: Actor, loan: Loan) -> PayoffQuote:
    async with sessions() as session:
        return await quote_payoff(session, clock=clock, actor=actor, loan_id=loan.id)


async def _state(sessions: Sessions, loan: Loan) -> tuple[Loan, list[LoanNote], list[Repayment]]:
    async with sessions() as session:
        stored = await session.get(Loan, loan.id)
        notes = await session.exec(select(LoanNote).where(col(LoanNote.loan_id) == loan.id))
        repayments = await session.exec(
            select(Repayment)
            .where(col(Repayment.loan_id) == loan.id)
            .order_by(col(Repayment.created_at))
        )
        assert stored is not None
        return stored, list(notes.all()), list(repayments.all())


def _total(row: LoanInstallment) -> int:
    return row.principal_due + row.interest_due + row.fee_due + row.penalty_accrued


def _shared_exactly(repayment: Repayment) -> bool:
    holders = sum(
        d["principal"] + d["interest"] + d["penalty"] for d in repayment.distribution if "note" in d
    )
    platform = sum(d["amount"] for d in repayment.distribution if "platform" in d)
    return holders + platform == repayment.amount


async def _books_consistent(sessions: Sessions) -> bool:
    async with sessions() as session:
        return (await verify_ledger(session)).consistent


async def test_a_partial_prepayment_pays_interest_to_date_then_lowers_every_later_installment(
    sessions: Sessions, clock: FixedClock
) -> None:
    loan, borrower, _ = await disbursed_loan(sessions, clock)
    before = await installments_of(sessions, loan.id)
    disbursed = clock.now().astimezone(UTC).date()
    clock.set(clock.now() + timedelta(days=10))

    assert await _prepay(sessions, clock, borrower, loan, 300_000, "prepay") == "OK"

    after = await installments_of(sessions, loan.id)
    _, notes, [repayment] = await _state(sessions, loan)
    on = disbursed + timedelta(days=10)
    to_date = accrued_interest(
        before[0].interest_due, period_start=disbursed, due_date=before[0].due_date, on=on
    )
    assert (repayment.interest, repayment.fees, repayment.penalty) == (to_date, 0, 0)
    assert repayment.principal == 300_000 - to_date
    assert after[0].principal_paid == repayment.principal
    assert sum(r.principal_due for r in after) == loan.principal  # the schedule still sums
    assert [r.due_date for r in after] == [r.due_date for r in before]  # the term stays
    assert all(_total(new) < _total(old) for new, old in zip(after[1:], before[1:], strict=True))
    assert all(r.paid_at is None for r in after)
    assert sum(n.principal_received for n in notes) == repayment.principal
    assert _shared_exactly(repayment)
    assert await _books_consistent(sessions)


async def test_paying_off_closes_the_loan_and_leaves_the_rest_in_the_wallet(
    sessions: Sessions, clock: FixedClock
) -> None:
    loan, borrower, investors = await disbursed_loan(sessions, clock)
    assert borrower.participant_id
    await fund_wallet(sessions, clock, borrower.participant_id, 100_000)
    clock.set(clock.now() + timedelta(days=40))  # the first installment is due, unpaid
    quote = await _quote(sessions, clock, borrower, loan)
    schedule = await installments_of(sessions, loan.id)
    assert quote.principal == loan.principal
    assert quote.interest < sum(r.interest_due for r in schedule)
    assert quote.waived == sum(_total(r) for r in schedule) - quote.total
    held = (await wallet(sessions, borrower.participant_id)).available.minor

    assert await _prepay(sessions, clock, borrower, loan, quote.total + 5_000, "payoff") == "OK"
    assert await _prepay(sessions, clock, borrower, loan, quote.total + 5_000, "payoff") == "OK"

    stored, notes, [repayment] = await _state(sessions, loan)  # the replay changed nothing
    rows = await installments_of(sessions, loan.id)
    assert stored.state == "CLOSED"
    assert repayment.amount == quote.total
    assert (await wallet(sessions, borrower.participant_id)).available.minor == held - quote.total
    assert all(r.paid_at is not None for r in rows)
    assert all(n.status == "CLOSED" and n.principal_received == n.principal for n in notes)
    assert _shared_exactly(repayment)
    async with sessions() as session:
        books = (
            await session.exec(
                select(LedgerAccount).where(col(LedgerAccount.label) == f"loan:{loan.id}")
            )
        ).all()
        [event] = (
            await session.exec(
                select(OutboxEvent).where(
                    col(OutboxEvent.type) == "lending.repayment_received",
                    col(OutboxEvent.aggregate_id) == str(loan.id),
                )
            )
        ).all()
    assert all(a.debits_posted == a.credits_posted for a in books)
    assert event.payload["loan_state"] == "CLOSED"
    assert event.payload["principal_prepaid"] == sum(r.principal_due for r in rows[1:])
    assert set(event.audience) == {borrower.participant_id, *(i.participant_id for i in investors)}
    assert await _books_consistent(sessions)
    assert await _prepay(sessions, clock, borrower, loan, 100, "after") == "LOAN_STATE"


async def test_a_full_period_product_charges_the_whole_current_period(
    sessions: Sessions, clock: FixedClock
) -> None:
    loan, borrower, _ = await disbursed_loan(sessions, clock, early_repayment="FULL_PERIOD")
    [first, *_] = await installments_of(sessions, loan.id)
    clock.set(clock.now() + timedelta(days=1))

    quote = await _quote(sessions, clock, borrower, loan)

    assert quote.interest == first.interest_due
    assert quote.total == loan.principal + first.interest_due + first.fee_due


async def test_only_the_borrower_gets_a_quote_and_only_while_the_loan_is_repaid(
    sessions: Sessions, clock: FixedClock
) -> None:
    loan, borrower, investors = await disbursed_loan(sessions, clock)
    assert borrower.participant_id
    await fund_wallet(sessions, clock, borrower.participant_id, 100_000)

    with pytest.raises(NotFound):
        await _quote(sessions, clock, investors[0], loan)
    quote = await _quote(sessions, clock, borrower, loan)
    assert quote.total == loan.principal  # on the day of disbursement no interest has run
    assert await _prepay(sessions, clock, borrower, loan, quote.total, "payoff") == "OK"
    with pytest.raises(LoanStateConflict):
        await _quote(sessions, clock, borrower, loan)
