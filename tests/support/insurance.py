"""Insurance factories on the service layer: insurers, their products, buyers, policies."""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import FixedClock
from domain.insurance.claims import Decision
from domain.insurance.premiums import PremiumBasis, PremiumRule
from domain.insurance.products import (
    Coverage,
    Distribution,
    DistributionModel,
    FreightBand,
    InsuranceTerms,
    ProductKind,
)
from domain.insurance.services import claims, policies, products
from domain.insurance.tables import Claim, InsuranceProduct, Policy
from domain.money import Money
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from support.lending_world import fund_wallet, participant

Sessions = async_sessionmaker[AsyncSession]
_keys = itertools.count(1)

# 3 % of the insured amount, 15 % of it to the platform; 80 % of a loss less 10.00, 14 days'
# cooling off, 7 days' waiting, a year's term.
TERM_PRODUCT = InsuranceTerms(
    code="GADGET",
    name="Gadget cover",
    kind=ProductKind.TERM,
    currency="CNY",
    premium=PremiumRule(PremiumBasis.PERCENT, basis_points=300, minimum=500),
    coverage=Coverage(share=Decimal("0.8"), deductible=1_000),
    term_days=365,
    waiting_days=7,
    cooling_off_days=14,
    distribution=Distribution(DistributionModel.PLATFORM, commission_bps=1500),
)
# Return shipping: a 1.00 premium per payment, 8.00 / 12.00 of freight by the payment's amount.
RETURN_SHIPPING = InsuranceTerms(
    code="RETURNS",
    name="Return shipping",
    kind=ProductKind.RETURN_SHIPPING,
    currency="CNY",
    premium=PremiumRule(PremiumBasis.FIXED, amount=100),
    coverage=Coverage(share=Decimal(1), max_payout=2_000),
    term_days=60,
    distribution=Distribution(DistributionModel.PLATFORM, commission_bps=2000),
    freight_table=(FreightBand(100_00, 8_00), FreightBand(10**12, 12_00)),
    payout_hours=24,
)


def key() -> str:
    return f"ins-{next(_keys)}"


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


async def insurer(sessions: Sessions, clock: FixedClock, funds: int = 0) -> Actor:
    actor = await participant(sessions, clock, {Role.INSURER}, kind=ParticipantKind.BUSINESS)
    assert actor.participant_id is not None
    if funds:
        await fund_wallet(sessions, clock, actor.participant_id, funds)
    return actor


async def buyer(sessions: Sessions, clock: FixedClock, funds: int = 1_000_000) -> Actor:
    actor = await participant(sessions, clock, {Role.BORROWER})
    assert actor.participant_id is not None
    if funds:
        await fund_wallet(sessions, clock, actor.participant_id, funds)
    return actor


async def publish(
    sessions: Sessions, clock: FixedClock, by: Actor, terms: InsuranceTerms = TERM_PRODUCT
) -> InsuranceProduct:
    async with sessions() as session:
        row = await products.publish_product(
            session=session,
            clock=clock,
            actor=by,
            terms=replace(terms, code=f"{terms.code}-{next(_keys)}"),
        )
        await session.commit()
        return row


async def buy(
    sessions: Sessions,
    clock: FixedClock,
    by: Actor,
    product_id: UUID,
    insured: int = 100_000,
    idempotency_key: str | None = None,
) -> Policy:
    async with sessions() as session:
        policy = await policies.buy_policy(
            session=session,
            clock=clock,
            actor=by,
            product_id=product_id,
            insured=cny(insured),
            idempotency_key=idempotency_key or key(),
        )
        await session.commit()
        return policy


async def file(
    sessions: Sessions, clock: FixedClock, by: Actor, policy_id: UUID, loss: int
) -> Claim:
    """The holder claims `loss` minor units under its policy."""
    async with sessions() as session:
        claim = await claims.file_claim(
            session=session,
            clock=clock,
            actor=by,
            policy_id=policy_id,
            loss=cny(loss),
            description="a loss",
            idempotency_key=key(),
        )
        await session.commit()
        return claim


async def decide(
    sessions: Sessions,
    clock: FixedClock,
    by: Actor,
    claim_id: UUID,
    decision: Decision,
    amount: int | None = None,
    reason: str = "",
) -> Claim:
    """The insurer's decision on the claim."""
    async with sessions() as session:
        claim = await claims.decide_claim(
            session=session,
            clock=clock,
            actor=by,
            claim_id=claim_id,
            decision=decision,
            amount=None if amount is None else cny(amount),
            reason=reason,
            idempotency_key=key(),
        )
        await session.commit()
        return claim
