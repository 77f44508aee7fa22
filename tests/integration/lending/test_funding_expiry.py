"""A listing not funded by its deadline: the worker releases every hold, returns the bank
offers' commitments and expires the loan, once, however many workers run."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock
from domain.lending.services.accounts import bank_funding
from domain.lending.services.commitments import commit_funds, lock_loan
from domain.lending.services.expire_loans import expire_unfunded_loans
from domain.lending.services.notes import buy_note
from domain.lending.tables import BankFundingOffer, Loan, LoanNote
from domain.money import Money
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from domain.wallets.services.accounts import wallet_balances
from support.lending_world import fund_wallet, listed_loan, participant

Sessions = async_sessionmaker[AsyncSession]


async def test_expired_listings_release_every_hold_once(
    sessions: Sessions, clock: FixedClock
) -> None:
    borrower = await participant(sessions, clock, {Role.BORROWER})
    investor = await participant(sessions, clock, {Role.INVESTOR})
    bank = await participant(sessions, clock, {Role.PARTNER_BANK}, kind=ParticipantKind.BUSINESS)
    assert borrower.participant_id
    assert investor.participant_id
    assert bank.participant_id
    await fund_wallet(sessions, clock, investor.participant_id, 1_000_000)
    loans = [await listed_loan(sessions, clock, borrower.participant_id) for _ in range(3)]
    async with sessions() as session:
        offer = BankFundingOffer(
            bank_id=bank.participant_id,
            currency="CNY",
            capacity=5_000_000,
            committed=100_000,
            rate_floor=Decimal("0.05"),
            grades=["B"],
            min_term_months=1,
            max_term_months=36,
            min_amount=1,
            max_amount=5_000_000,
            status="OPEN",
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        session.add(offer)
        await session.flush()
        loan = await lock_loan(session, loans[0].id)
        account = await bank_funding(
            session, bank_id=bank.participant_id, currency="CNY", now=clock.now()
        )
        await commit_funds(
            session,
            loan=loan,
            funder_id=bank.participant_id,
            funder_kind="BANK",
            from_account=account,
            amount=100_000,
            annual_rate=Decimal("0.05"),
            now=clock.now(),
            source_id=offer.id,
        )
        await session.commit()
    for loan in loans:
        async with sessions() as session:
            await buy_note(
                session=session,
                clock=clock,
                actor=investor,
                loan_id=loan.id,
                amount=Money(100_000, "CNY"),
                idempotency_key=f"b-{loan.id}",
            )
            await session.commit()

    # before the deadline nothing happens; after it, three workers share the work
    assert await expire_unfunded_loans(sessions, clock) == 0
    clock.advance(timedelta(days=7))
    done = await asyncio.gather(*(expire_unfunded_loans(sessions, clock) for _ in range(3)))

    assert sum(done) == 3
    async with sessions() as session:
        states = {row.state for row in (await session.exec(select(Loan))).all()}
        notes = {row.status for row in (await session.exec(select(LoanNote))).all()}
        stored_offer = await session.get(BankFundingOffer, offer.id)
        [wallet] = await wallet_balances(session, owner_id=investor.participant_id)
    assert states == {"EXPIRED"}
    assert notes == {"RELEASED"}
    assert stored_offer is not None
    assert stored_offer.committed == 0
    assert wallet.available == Money(1_000_000, "CNY")
    assert wallet.held == Money(0, "CNY")
