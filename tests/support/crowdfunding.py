"""Crowdfunding factories on the service layer: creators, backers, live campaigns, the job."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import FixedClock
from domain.crowdfunding.services import campaigns, pledge_checks, pledging
from domain.crowdfunding.services.campaigns import (
    NewCampaign,
    NewDebtTerms,
    NewEquityTerms,
    NewTier,
)
from domain.crowdfunding.services.outcome import close_due_campaigns
from domain.crowdfunding.services.reads import CampaignView, PledgeView
from domain.crowdfunding.states import CampaignKind, FundingModel
from domain.ledger.services.verification import verify_ledger
from domain.money import Money
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from domain.wallets.services.accounts import wallet_balances
from support.lending_world import fund_wallet, participant

Sessions = async_sessionmaker[AsyncSession]
_keys = itertools.count(1)


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def reward_campaign(
    goal: int = 100_000,
    *,
    model: FundingModel = FundingModel.ALL_OR_NOTHING,
    tiers: tuple[NewTier, ...] = (NewTier("early bird", cny(10_000), quantity=2),),
    days: int = 30,
) -> NewCampaign:
    return NewCampaign(
        kind=CampaignKind.REWARD,
        funding_model=model,
        goal=cny(goal),
        duration_days=days,
        title="A better kettle",
        description="It boils.",
        category="Design",
        tiers=tiers,
    )


def donation_campaign(
    goal: int = 100_000, *, days: int = 30, model: FundingModel = FundingModel.KEEP_IT_ALL
) -> NewCampaign:
    return NewCampaign(
        kind=CampaignKind.DONATION,
        funding_model=model,
        goal=cny(goal),
        duration_days=days,
        title="Books for a village school",
    )


def equity_campaign(
    *, price: int = 10_000, shares: int = 100, minimum: int = 500_000, days: int = 30
) -> NewCampaign:
    return NewCampaign(
        kind=CampaignKind.EQUITY,
        funding_model=FundingModel.ALL_OR_NOTHING,
        goal=cny(price * shares),
        duration_days=days,
        title="Tea house, Series Seed",
        equity=NewEquityTerms(cny(price), shares, cny(minimum), cny(100_000_000)),
    )


def debt_campaign(
    product_id: UUID, *, goal: int = 1_000_000, rate: str = "0.10", months: int = 3
) -> NewCampaign:
    return NewCampaign(
        kind=CampaignKind.DEBT,
        funding_model=FundingModel.ALL_OR_NOTHING,
        goal=cny(goal),
        duration_days=30,
        title="A second oven",
        debt=NewDebtTerms(product_id, Decimal(rate), months),
    )


async def creator(sessions: Sessions, clock: FixedClock, *, business: bool = False) -> Actor:
    kind = ParticipantKind.BUSINESS if business else ParticipantKind.PERSON
    return await participant(sessions, clock, {Role.BORROWER}, kind=kind)


async def backer(sessions: Sessions, clock: FixedClock, funds: int = 1_000_000) -> Actor:
    person = await participant(sessions, clock, {Role.INVESTOR})
    assert person.participant_id is not None
    if funds:
        await fund_wallet(sessions, clock, person.participant_id, funds)
    return person


async def operator(sessions: Sessions, clock: FixedClock) -> Actor:
    return await participant(sessions, clock, {Role.OPERATOR})


async def live_campaign(
    sessions: Sessions, clock: FixedClock, owner: Actor, new: NewCampaign
) -> CampaignView:
    """Drafted, submitted and approved: live until its deadline."""
    reviewer = await operator(sessions, clock)
    async with sessions() as session:
        draft = await campaigns.create_campaign(session=session, clock=clock, actor=owner, new=new)
        await campaigns.submit_campaign(
            session=session, clock=clock, actor=owner, campaign_id=draft.campaign.id
        )
        live = await campaigns.review_campaign(
            session=session,
            clock=clock,
            actor=reviewer,
            campaign_id=draft.campaign.id,
            approve=True,
            reason="",
        )
        await session.commit()
    return live


async def pledge(
    sessions: Sessions,
    clock: FixedClock,
    who: Actor,
    campaign_id: UUID,
    amount: int,
    **extra: object,
) -> PledgeView:
    """A pledge a second after the last one (pledges of one moment tie on their ids)."""
    clock.advance(timedelta(seconds=1))
    async with sessions() as session:
        made = await pledging.pledge(
            session=session,
            clock=clock,
            actor=who,
            request=pledge_checks.PledgeRequest(campaign_id, cny(amount), **extra),  # type: ignore[arg-type]
            idempotency_key=f"pledge-{next(_keys)}",
        )
        await session.commit()
    return made


async def past_deadline(sessions: Sessions, clock: FixedClock, view: CampaignView) -> int:
    """Move the clock past the campaign's deadline and run the deadline job."""
    assert view.campaign.deadline is not None
    clock.set(view.campaign.deadline + timedelta(seconds=1))
    return await close_due_campaigns(sessions, clock)


async def balance(sessions: Sessions, who: Actor | UUID) -> tuple[int, int]:
    """(available, held) of the CNY wallet."""
    owner = who if isinstance(who, UUID) else who.participant_id
    assert owner is not None
    async with sessions() as session:
        found = await wallet_balances(session, owner_id=owner)
    for wallet in found:
        if wallet.currency == "CNY":
            return wallet.available.minor, wallet.held.minor
    return 0, 0


async def ledger_consistent(sessions: Sessions) -> bool:
    async with sessions() as session:
        return (await verify_ledger(session)).consistent


async def revenue(sessions: Sessions, stream: str) -> int:
    """What the platform's revenue stream holds in CNY (posted)."""
    from sqlalchemy import text

    async with sessions() as session:
        found = await (await session.connection()).execute(
            text(
                "SELECT credits_posted - debits_posted FROM ledger_account "
                "WHERE kind = 'PLATFORM_REVENUE' AND label = :stream AND currency = 'CNY'"
            ),
            {"stream": stream},
        )
        return int(found.scalar() or 0)
