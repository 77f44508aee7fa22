"""A verified borrower applies (scored, screened), accepts, and the listed loan is matched at
once against a bank's offer and an investor's rule; investors fill the rest; on full
funding the borrower is paid (less the upfront fee) and the schedule is written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import FixedClock
from domain.events.tables import OutboxEvent
from domain.lending.funding_terms import AutoInvestTerms, OfferTerms
from domain.lending.services.applications import accept_loan_offer, apply_for_loan
from domain.lending.services.auto_invest import create_auto_invest_rule
from domain.lending.services.funding_offers import create_funding_offer
from domain.lending.services.notes import buy_note
from domain.lending.tables import (
    BankFundingOffer,
    Loan,
    LoanInstallment,
    LoanMatch,
    LoanNote,
    LoanProductRow,
)
from domain.money import Money
from domain.participants.credentials import ParticipantKind
from domain.participants.kyc import KycRequired
from domain.participants.roles import Role
from domain.wallets.services.accounts import wallet_balances
from support.lending_world import fund_wallet, participant, product_row

Sessions = async_sessionmaker[AsyncSession]


async def _product(sessions: Sessions, clock: FixedClock) -> LoanProductRow:
    product = product_row(clock.now())
    async with sessions() as session:
        session.add(product)
        await session.commit()
    return product


async def _apply(
    sessions: Sessions,
    clock: FixedClock,
    borrower: Actor,
    product_id: object,
    amount: int = 1_000_000,
    income: int = 2_000_000,
):  # type: ignore[no-untyped-def]
    async with sessions() as session:
        application = await apply_for_loan(
            session=session,
            clock=clock,
            actor=borrower,
            product_id=product_id,  # type: ignore[arg-type]
            amount=Money(amount, "CNY"),
            term_months=12,
            purpose="a used car",
            declared_monthly_income=income,
        )
        await session.commit()
    return application


async def test_an_approved_application_carries_its_score_grade_price_and_reasons(
    sessions: Sessions, clock: FixedClock
) -> None:
    product = await _product(sessions, clock)
    borrower = await participant(sessions, clock, {Role.BORROWER})

    application = await _apply(sessions, clock, borrower, product.id)

    assert application.status == "APPROVED"
    assert application.scorecard_version == "2026-11-v1"
    assert application.grade in {"A", "B", "C", "D", "E"}
    assert application.annual_rate is not None
    assert product.min_rate <= application.annual_rate <= product.max_rate
    assert application.credit_limit >= 1_000_000
    assert application.reason_codes, "a newcomer hears why the score is not higher"
    assert application.fraud_action == "ALLOW"


async def test_unverified_borrowers_and_fast_repeat_applications_are_stopped(
    sessions: Sessions, clock: FixedClock
) -> None:
    product = await _product(sessions, clock)
    unverified = await participant(sessions, clock, {Role.BORROWER}, kyc_level=0)
    borrower = await participant(sessions, clock, {Role.BORROWER})

    async with sessions() as session:
        with pytest.raises(KycRequired):
            await apply_for_loan(
                session=session,
                clock=clock,
                actor=unverified,
                product_id=product.id,
                amount=Money(1_000_000, "CNY"),
                term_months=12,
                purpose="x",
                declared_monthly_income=1,
            )
    outcomes = [(await _apply(sessions, clock, borrower, product.id)).status for _ in range(6)]

    assert outcomes[:2] == ["APPROVED", "APPROVED"]
    assert outcomes[2] == "REVIEW"  # the third in 24 hours
    assert outcomes[-1] == "DECLINED"  # the sixth


async def test_listing_matches_standing_funding_then_investors_complete_it(
    sessions: Sessions, clock: FixedClock
) -> None:
    product = await _product(sessions, clock)
    borrower = await participant(sessions, clock, {Role.BORROWER})
    bank = await participant(sessions, clock, {Role.PARTNER_BANK}, kind=ParticipantKind.BUSINESS)
    saver = await participant(sessions, clock, {Role.INVESTOR})
    buyer = await participant(sessions, clock, {Role.INVESTOR})
    for investor in (saver, buyer):
        assert investor.participant_id
        await fund_wallet(sessions, clock, investor.participant_id, 5_000_000)
    async with sessions() as session:
        await create_funding_offer(
            session=session,
            clock=clock,
            actor=bank,
            idempotency_key="offer",
            terms=OfferTerms(
                currency="CNY",
                capacity=10_000_000,
                rate_floor=Decimal("0.06"),
                spread=None,
                grades=frozenset("ABCDE"),
                min_term_months=3,
                max_term_months=24,
                min_amount=100_000,
                max_amount=500_000,
                per_borrower_cap=None,
                expires_at=None,
            ),
        )
        await create_auto_invest_rule(
            session=session,
            clock=clock,
            actor=saver,
            terms=AutoInvestTerms(
                currency="CNY",
                grades=frozenset("ABCDE"),
                min_term_months=1,
                max_term_months=36,
                min_rate=Decimal("0.01"),
                max_per_loan=200_000,
                daily_budget=1_000_000,
            ),
        )
        await session.commit()
    application = await _apply(sessions, clock, borrower, product.id)

    async with sessions() as session:
        loan_id = (
            await accept_loan_offer(
                session=session,
                clock=clock,
                actor=borrower,
                application_id=application.id,
                idempotency_key="acc",
            )
        ).id
        await session.commit()

    async with sessions() as session:
        loan = await session.get(Loan, loan_id)
        matches = (await session.exec(select(LoanMatch).order_by(col(LoanMatch.amount)))).all()
        offer = (await session.exec(select(BankFundingOffer))).one()
        events = (
            await session.exec(
                select(OutboxEvent).where(col(OutboxEvent.type) == "lending.match_created")
            )
        ).all()
    assert loan is not None
    assert loan.state == "LISTED"
    assert [(m.source_kind, m.amount) for m in matches] == [
        ("AUTO_INVEST", 200_000),
        ("BANK_OFFER", 500_000),
    ]
    assert matches[1].annual_rate == Decimal("0.06")
    assert matches[1].explanation["rank"] == 1  # the cheapest source first
    assert offer.committed == 500_000
    assert loan.committed == 700_000
    assert {frozenset(e.audience) for e in events} == {
        frozenset({borrower.participant_id, m.funder_id}) for m in matches
    }

    async with sessions() as session:
        await buy_note(
            session=session,
            clock=clock,
            actor=buyer,
            loan_id=loan_id,
            amount=Money(300_000, "CNY"),
            idempotency_key="rest",
        )
        await session.commit()

    async with sessions() as session:
        loan = await session.get(Loan, loan_id)
        installments = (await session.exec(select(LoanInstallment))).all()
        notes = (await session.exec(select(LoanNote))).all()
        assert borrower.participant_id
        [wallet] = await wallet_balances(session, owner_id=borrower.participant_id)
    assert loan is not None
    assert loan.state == "ACTIVE"
    assert len(installments) == 12
    assert sum(i.principal_due for i in installments) == 1_000_000
    assert {n.status for n in notes} == {"ACTIVE"}
    assert sum(n.principal for n in notes) == 1_000_000
    assert wallet.available == Money(1_000_000 - 20_000, "CNY")  # the 2 % fee kept upfront
