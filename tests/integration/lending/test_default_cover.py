"""Default under the product's cover: the insurer (or the platform's guarantee fund) pays the
funders its share exactly and takes over the claim; what the borrower pays afterwards goes
to the insurer up to what it paid, then to the funders for the rest; the books balance."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock
from domain.events.tables import OutboxEvent
from domain.ledger.services.verification import verify_ledger
from domain.ledger.tables import LedgerAccount
from domain.lending.services.age_installments import age_overdue_installments
from domain.lending.tables import Loan, LoanNote, Repayment
from domain.participants.roles import Role
from support.lending_life import disbursed_loan, repay, seed_guarantee_fund
from support.lending_world import (
    fund_wallet,
    installments_of,
    participant,
)
from support.payments import wallet

Sessions = async_sessionmaker[AsyncSession]


async def _default(sessions: Sessions, clock: FixedClock, loan: Loan) -> None:
    """Thirty days past the first due date: the product's threshold."""
    [first, *_] = await installments_of(sessions, loan.id)
    clock.set(
        datetime.combine(first.due_date + timedelta(days=30), time(12), tzinfo=clock.now().tzinfo)
    )
    await age_overdue_installments(sessions, clock)


async def _available(sessions: Sessions, owner: UUID | None) -> int:
    assert owner
    return (await wallet(sessions, owner)).available.minor


async def _loan_books(sessions: Sessions, loan: Loan) -> dict[str, int]:
    """The loan's escrow (owed on) and receivable (owed to it), by kind."""
    async with sessions() as session:
        rows = (
            await session.exec(
                select(LedgerAccount).where(col(LedgerAccount.label) == f"loan:{loan.id}")
            )
        ).all()
    return {a.kind: abs(a.credits_posted - a.debits_posted) for a in rows}


async def _rows(sessions: Sessions, loan: Loan) -> tuple[Loan, list[LoanNote], list[Repayment]]:
    async with sessions() as session:
        stored = await session.get(Loan, loan.id)
        notes = await session.exec(
            select(LoanNote).where(col(LoanNote.loan_id) == loan.id).order_by(col(LoanNote.id))
        )
        repayments = await session.exec(
            select(Repayment)
            .where(col(Repayment.loan_id) == loan.id)
            .order_by(col(Repayment.created_at))
        )
        assert stored is not None
        return stored, list(notes.all()), list(repayments.all())


async def test_the_insurer_pays_its_share_takes_the_claim_and_is_repaid_first(
    sessions: Sessions, clock: FixedClock
) -> None:
    insurer = await participant(sessions, clock, {Role.INSURER})
    await fund_wallet(sessions, clock, insurer.require_participant(), 10_000_000)
    loan, borrower, investors = await disbursed_loan(
        sessions,
        clock,
        cover_kind="INSURANCE",
        cover_share=Decimal("0.5"),
        cover_provider=insurer.participant_id,
        default_days=30,
    )
    funders = [i.participant_id for i in investors]
    before = {f: await _available(sessions, f) for f in funders}

    await _default(sessions, clock, loan)

    stored, notes, [cover] = await _rows(sessions, loan)
    assert stored.state == "DEFAULTED"
    assert {n.status for n in notes} == {"DEFAULTED"}
    assert cover.kind == "INSURANCE"
    assert cover.amount == loan.principal // 2  # half of all the principal, nothing repaid
    assert await _available(sessions, insurer.participant_id) == 10_000_000 - cover.amount
    paid = {f: await _available(sessions, f) - before[f] for f in funders}
    assert sum(paid.values()) == cover.amount
    assert sorted(paid.values()) == [200_000, 300_000]  # 600k and 400k notes, half each
    # the insurer's claim stays on the loan's books; the uncovered half is written off
    assert set((await _loan_books(sessions, loan)).values()) == {cover.amount}
    async with sessions() as session:
        [event] = (
            await session.exec(
                select(OutboxEvent).where(col(OutboxEvent.type) == "lending.loan_defaulted")
            )
        ).all()
    assert (event.payload["covered"], event.payload["written_off"]) == (cover.amount,) * 2
    assert event.payload["cover_kind"] == "INSURANCE"
    assert insurer.participant_id in event.audience

    # after the default the borrower repays: the insurer first ...
    borrower_id = borrower.require_participant()
    await fund_wallet(sessions, clock, borrower_id, 200_000)
    insured = await _available(sessions, insurer.participant_id)
    assert await repay(sessions, clock, borrower, loan, cover.amount - 100, "r1") == "OK"
    assert await _available(sessions, insurer.participant_id) == insured + cover.amount - 100
    assert [await _available(sessions, f) - before[f] for f in funders] == list(paid.values())
    # ... then the funders for what the cover left them; the rest stays in the wallet
    held = await _available(sessions, borrower_id)
    assert await repay(sessions, clock, borrower, loan, held, "r2") == "OK"
    _, notes, [*_, recovery] = await _rows(sessions, loan)
    assert recovery.kind == "RECOVERY"
    assert recovery.amount == 100 + loan.principal - cover.amount
    assert await _available(sessions, borrower_id) == held - recovery.amount
    assert await _available(sessions, insurer.participant_id) == insured + cover.amount
    assert all(n.principal_received == n.principal for n in notes)
    assert set((await _loan_books(sessions, loan)).values()) == {0}
    assert await repay(sessions, clock, borrower, loan, 100, "r3") == "INVALID_INPUT"
    async with sessions() as session:
        assert (await verify_ledger(session)).consistent


async def test_a_guarantee_fund_short_of_its_share_pays_what_it_holds(
    sessions: Sessions, clock: FixedClock
) -> None:
    loan, borrower, _ = await disbursed_loan(
        sessions,
        clock,
        cover_kind="GUARANTEE",
        cover_share=Decimal(1),
        cover_provider=None,
        default_days=30,
    )
    await seed_guarantee_fund(sessions, clock, 250_000)

    await _default(sessions, clock, loan)

    _, _, [cover] = await _rows(sessions, loan)
    assert (cover.kind, cover.amount, cover.shortfall) == ("GUARANTEE_FUND", 250_000, 750_000)
    assert set((await _loan_books(sessions, loan)).values()) == {250_000}
    await fund_wallet(sessions, clock, borrower.require_participant(), 100_000)
    assert await repay(sessions, clock, borrower, loan, 100_000, "back") == "OK"
    assert set((await _loan_books(sessions, loan)).values()) == {150_000}
    async with sessions() as session:
        assert (await verify_ledger(session)).consistent
