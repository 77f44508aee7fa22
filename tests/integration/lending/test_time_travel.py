"""The time-travel harness: the worker's daily jobs on a FixedClock, day by day for four
months, in seconds: reminders before due dates, automatic debits on them, aging with
penalty after the grace days, and default with the guarantee fund's cover."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock
from domain.events.tables import OutboxEvent
from domain.ledger.services.verification import verify_ledger
from domain.lending.overdue import daily_penalty
from domain.lending.services.product_terms import Marketplace
from domain.lending.tables import Loan, LoanInstallment, LoanNote, Repayment
from domain.wallets.services.accounts import wallet_balances
from support.lending_life import disbursed_loan, run_daily_jobs, seed_guarantee_fund
from support.lending_world import fund_wallet, installments_of

Sessions = async_sessionmaker[AsyncSession]


async def _installments(sessions: Sessions, loan: Loan) -> list[LoanInstallment]:
    return await installments_of(sessions, loan.id)


async def test_four_months_of_due_dates_aging_and_default_in_seconds(
    sessions: Sessions, clock: FixedClock
) -> None:
    loan, borrower, investors = await disbursed_loan(
        sessions,
        clock,
        cover_kind="GUARANTEE",
        cover_share=Decimal("0.8"),
        cover_provider=None,
        default_days=60,
    )
    assert Marketplace().funding_days == 7
    await seed_guarantee_fund(sessions, clock, 10_000_000)
    first, second = (await _installments(sessions, loan))[:2]
    assert borrower.participant_id
    # The borrower keeps just enough for the first installment, then nothing.
    async with sessions() as session:
        [wallet] = await wallet_balances(session, owner_id=borrower.participant_id)
    start = clock.now()
    await fund_wallet(
        sessions,
        clock,
        borrower.participant_id,
        first.principal_due + first.interest_due - wallet.available.minor,
    )

    aged_on_day_8: LoanInstallment | None = None
    for day in range(1, 125):
        clock.set(start + timedelta(days=day))
        await run_daily_jobs(sessions, clock)
        if clock.now().date() == second.due_date + timedelta(days=8):
            aged_on_day_8 = (await _installments(sessions, loan))[1]

    installments = await _installments(sessions, loan)
    async with sessions() as session:
        stored = await session.get(Loan, loan.id)
        repayments = (
            await session.exec(select(Repayment).order_by(col(Repayment.created_at)))
        ).all()
        reminders = (
            await session.exec(
                select(OutboxEvent)
                .where(col(OutboxEvent.type) == "lending.installment_due")
                .order_by(col(OutboxEvent.id))
            )
        ).all()
        notes = (await session.exec(select(LoanNote).order_by(col(LoanNote.principal)))).all()
        balances = {
            i.participant_id: (await wallet_balances(session, owner_id=i.participant_id))[0]  # type: ignore[arg-type]
            for i in investors
        }
    # reminders 3 days and 1 day before each due date, while the loan lived
    first_two = [date.fromisoformat(e.payload["due_date"]) for e in reminders[:4]]
    assert first_two == [first.due_date] * 2 + [second.due_date] * 2
    assert [e.occurred_at.date() for e in reminders[:2]] == [
        first.due_date - timedelta(days=3),
        first.due_date - timedelta(days=1),
    ]
    # the first installment was debited on its due date; the second never could be
    assert repayments[0].kind == "AUTO_DEBIT"
    assert repayments[0].created_at.date() == first.due_date
    assert installments[0].paid_at is not None
    # eight days late: bucket 1-30 and five days of penalty (three days' grace)
    assert aged_on_day_8 is not None
    assert aged_on_day_8.days_past_due == 8
    assert aged_on_day_8.bucket == "DPD_1_30"
    assert aged_on_day_8.penalty_accrued == 5 * daily_penalty(
        second.principal_due, Decimal("0.0005")
    )
    # sixty days past the second due date the loan defaulted; 80 % of what the investors
    # were owed came from the guarantee fund, shared exactly by their notes
    assert stored is not None
    assert stored.state == "DEFAULTED"
    outstanding = loan.principal - installments[0].principal_due
    cover = repayments[-1]
    assert cover.kind == "GUARANTEE_FUND"
    assert cover.amount == (outstanding * 8 + 5) // 10
    assert sum(d["cover"] for d in cover.distribution) == cover.amount
    assert {n.status for n in notes} == {"DEFAULTED"}
    got = {i: b.available.minor for i, b in balances.items()}
    assert (
        sum(got.values())
        == installments[0].principal_due + _holder_interest(repayments[0]) + cover.amount
    )
    async with sessions() as session:
        assert (await verify_ledger(session)).consistent


def _holder_interest(repayment: Repayment) -> int:
    return sum(
        d.get("interest", 0) + d.get("penalty", 0) for d in repayment.distribution if "holder" in d
    )
