"""Listings matched at once against the same cheap offer: each locks only the offers it chose,
re-matches when another listing used their room first, and no offer is ever over-committed."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FixedClock
from domain.lending.funding_terms import OfferTerms
from domain.lending.services.commitments import lock_loan
from domain.lending.services.funding_offers import create_funding_offer
from domain.lending.services.matching import match_listing
from domain.lending.tables import BankFundingOffer, Loan, LoanNote, LoanProductRow
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from support.lending_world import Sessions, listed_loan, participant, product_row


async def _offer(sessions: Sessions, clock: FixedClock, rate: str, capacity: int) -> UUID:
    bank = await participant(sessions, clock, {Role.PARTNER_BANK}, kind=ParticipantKind.BUSINESS)
    async with sessions() as session:
        offer = await create_funding_offer(
            session=session,
            clock=clock,
            actor=bank,
            idempotency_key=f"offer-{rate}",
            terms=OfferTerms(
                currency="CNY",
                capacity=capacity,
                rate_floor=Decimal(rate),
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
        await session.commit()
    return offer.id


async def _match(sessions: Sessions, clock: FixedClock, loan_id: UUID) -> None:
    async with sessions() as session:
        loan = await lock_loan(session, loan_id)
        product = await session.get(LoanProductRow, loan.product_id)
        assert product is not None
        await match_listing(session, loan=loan, product=product, now=clock.now())
        await session.commit()


async def _committed_by_source(session: AsyncSession) -> dict[UUID | None, int]:
    rows = await session.exec(
        select(LoanNote.source_id, func.sum(LoanNote.principal)).group_by(col(LoanNote.source_id))
    )
    return {source: int(total) for source, total in rows.all()}


async def test_concurrent_listings_never_over_commit_an_offer_and_spill_to_the_next(
    sessions: Sessions, clock: FixedClock
) -> None:
    cheap = await _offer(sessions, clock, "0.05", capacity=1_200_000)  # 2.4 loans' worth
    dear = await _offer(sessions, clock, "0.06", capacity=10_000_000)
    borrowers = [await participant(sessions, clock, {Role.BORROWER}) for _ in range(8)]
    product = product_row(clock.now(), funding_channels=["BANK_OFFERS"])
    loans = []
    for borrower in borrowers:  # one product: its row is added once, then re-attached
        assert borrower.participant_id
        loans.append(
            await listed_loan(
                sessions, clock, borrower.participant_id, principal=500_000, product=product
            )
        )

    # when eight listings are matched at once, each wanting the cheap offer first
    await asyncio.gather(*(_match(sessions, clock, loan.id) for loan in loans))

    async with sessions() as session:
        offers = {o.id: o for o in (await session.exec(select(BankFundingOffer))).all()}
        by_source = await _committed_by_source(session)
        funded = (await session.exec(select(Loan))).all()
    assert offers[cheap].committed <= offers[cheap].capacity
    assert offers[cheap].committed == by_source[cheap] > 1_000_000  # used, in whole fills
    assert offers[dear].committed == by_source.get(dear, 0) > 0  # the spill went here
    assert sum(loan.committed for loan in funded) == sum(o.committed for o in offers.values())
    assert all(loan.committed == loan.principal for loan in funded)
    assert {loan.state for loan in funded} == {"ACTIVE"}
