"""A backer pledges to a live campaign: the money is held in the backer's wallet until the
outcome, nothing is captured before. Idempotent under the backer's key.

Under the campaign's row lock: the campaign must be live and before its deadline; a reward
tier's unit is taken (when the last units are raced for, exactly the stock is sold); an
equity investment must fit the investor's 12-month limit; a debt campaign never takes more
than its goal (the loan's principal).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import case, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.crowdfunding.errors import (
    CampaignNotLive,
    InvestorLimitExceeded,
    PledgeRefused,
    TierSoldOut,
)
from domain.crowdfunding.investor_limits import (
    CURRENT_LIMITS,
    LimitBasis,
    check_investment,
    investor_limit,
)
from domain.crowdfunding.services.holds import hold_pledge
from domain.crowdfunding.services.reads import PledgeView, may_see
from domain.crowdfunding.services.updates import (
    audit,
    campaign_updated,
    lock_campaign,
    pledge_updated,
)
from domain.crowdfunding.states import CampaignChange, CampaignKind, CampaignState, PledgeState
from domain.crowdfunding.tables import Campaign, Pledge, RewardTier
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.money import Money

PLEDGES = Pledge.__table__  # type: ignore[attr-defined]
TIERS = RewardTier.__table__  # type: ignore[attr-defined]
COUNTED = (PledgeState.ACTIVE.value, PledgeState.CAPTURED.value)
BASIS_WORDS = {
    LimitBasis.FLOOR: "the floor",
    LimitBasis.LOW_PERCENT: "5 % of the greater of your income and net worth",
    LimitBasis.HIGH_PERCENT: "10 % of the greater of your income and net worth",
    LimitBasis.CAP: "the cap",
}


@dataclass(frozen=True, slots=True)
class PledgeRequest:
    campaign_id: UUID
    amount: Money
    tier_id: UUID | None = None
    tip: Money | None = None  # donations: for the platform
    annual_income: Money | None = None  # equity: the investor's declaration
    net_worth: Money | None = None


@dataclass(frozen=True, slots=True)
class PledgeKept(StoredAnswer):
    """What a pledge's key keeps: the pledge and its campaign."""

    pledge_id: UUID
    campaign_id: UUID


def check_live(campaign: Campaign, now: datetime) -> None:
    """CampaignNotLive unless the campaign is live and its deadline has not passed."""
    deadline = campaign.deadline
    if campaign.state != CampaignState.LIVE.value or deadline is None or now >= deadline:
        raise CampaignNotLive("the campaign is not taking pledges", field="campaign_id")


async def visible_campaign(session: AsyncSession, actor: Actor, campaign_id: UUID) -> Campaign:
    """The campaign, locked, if the caller may see it (else NotFound, whatever its state)."""
    campaign = await lock_campaign(session, campaign_id)
    if not may_see(actor, campaign):
        raise NotFound("no such campaign", field="campaign_id")
    return campaign


async def take_unit(
    session: AsyncSession, campaign: Campaign, tier_id: UUID, amount: int
) -> RewardTier:
    """One unit of the campaign's tier for a pledge of `amount`; TierSoldOut past its stock."""
    tier = await session.get(RewardTier, tier_id, populate_existing=True)
    if tier is None or tier.campaign_id != campaign.id:
        raise NotFound("no such tier", field="tier_id")
    if amount < tier.minimum:
        least = Money(tier.minimum, campaign.currency).text()
        raise PledgeRefused(f"the tier takes at least {least}", field="amount")
    # Guarded in SQL too: whatever the locks, the stock is never oversold.
    taken = await (await session.connection()).execute(
        update(TIERS)
        .where(
            TIERS.c.id == tier_id, (TIERS.c.quantity.is_(None)) | (TIERS.c.taken < TIERS.c.quantity)
        )
        .values(taken=TIERS.c.taken + 1)
        .returning(TIERS.c.taken)
    )
    count = taken.scalar()
    if count is None:
        raise TierSoldOut(f"every unit of {tier.name!r} is taken", field="tier_id")
    tier.taken = count
    return tier


async def invested_in_window(session: AsyncSession, investor_id: UUID, now: datetime) -> int:
    """What the investor holds or was allotted in equity campaigns over the rolling window."""
    since = now - timedelta(days=CURRENT_LIMITS.window_days)
    counted = case(
        (PLEDGES.c.state == PledgeState.ACTIVE.value, PLEDGES.c.amount),
        else_=PLEDGES.c.captured - PLEDGES.c.refunded,
    )
    query = select(func.coalesce(func.sum(counted), 0)).where(
        PLEDGES.c.backer_id == investor_id,
        PLEDGES.c.kind == CampaignKind.EQUITY.value,
        PLEDGES.c.state.in_(COUNTED),
        PLEDGES.c.created_at > since,
    )
    return int((await (await session.connection()).execute(query)).scalar_one())


async def check_investor_limit(
    session: AsyncSession,
    request: PledgeRequest,
    investor_id: UUID,
    now: datetime,
    *,
    already: int = 0,
) -> tuple[int, int]:
    """(income, net worth) declared; InvestorLimitExceeded, saying which limit and how much
    room is left, when `request.amount` beyond `already` (a change of a pledge) does not fit."""
    income, worth = request.annual_income, request.net_worth
    if income is None or worth is None:
        raise InvalidInput(
            "an equity investment needs your annual income and net worth", field="annual_income"
        )
    for money, field in ((income, "annual_income"), (worth, "net_worth")):
        if money.currency != CURRENT_LIMITS.currency:
            raise InvalidInput(f"must be in {CURRENT_LIMITS.currency}", field=field)
        if money.minor < 0:
            raise InvalidInput("must not be negative", field=field)
    limit = investor_limit(annual_income=income.minor, net_worth=worth.minor, rule=CURRENT_LIMITS)
    invested = await invested_in_window(session, investor_id, now) - already
    refused = check_investment(limit, invested=invested, amount=request.amount.minor)
    if refused is not None:
        raise InvestorLimitExceeded(
            f"your 12-month equity limit is {limit.amount.text()} ({BASIS_WORDS[limit.basis]}); "
            f"you have invested {refused.invested.text()}, so {refused.room.text()} is left",
            field="amount",
        )
    return income.minor, worth.minor


def check_amount(campaign: Campaign, request: PledgeRequest, *, replacing: int = 0) -> int:
    """The tip; InvalidInput or PledgeRefused for an amount the campaign's kind refuses
    (`replacing`: the amount of the pledge this one changes, already counted)."""
    amount, currency = request.amount, campaign.currency
    if amount.currency != currency:
        raise InvalidInput(f"the campaign raises {currency}", field="amount")
    if amount.minor <= 0:
        raise InvalidInput("must be greater than zero", field="amount")
    kind = CampaignKind(campaign.kind)
    tip = request.tip.minor if request.tip is not None else 0
    if tip and kind is not CampaignKind.DONATION:
        raise InvalidInput("only a donation carries a tip", field="tip")
    if request.tip is not None and (request.tip.currency != currency or tip < 0):
        raise InvalidInput(f"must be a non-negative amount in {currency}", field="tip")
    if request.tier_id is not None and kind is not CampaignKind.REWARD:
        raise InvalidInput("only a reward campaign has tiers", field="tier_id")
    price = campaign.price_per_share
    if price is not None and amount.minor % price:
        raise PledgeRefused(
            f"must buy whole shares of {Money(price, currency).text()}", field="amount"
        )
    if kind is CampaignKind.DEBT and campaign.pledged - replacing + amount.minor > campaign.goal:
        left = Money(campaign.goal - campaign.pledged + replacing, currency).text()
        raise PledgeRefused(f"only {left} of the loan is left to fund", field="amount")
    return tip


async def pledge(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    request: PledgeRequest,
    idempotency_key: str,
) -> PledgeView:
    """Back a live campaign with `request.amount` held from the caller's wallet."""
    backer_id = actor.require_person()

    async def execute() -> PledgeKept:
        now = clock.now()
        campaign = await visible_campaign(session, actor, request.campaign_id)
        check_live(campaign, now)
        if campaign.creator_id == backer_id:
            raise PledgeRefused("you cannot back your own campaign", field="campaign_id")
        tip = check_amount(campaign, request)
        mine = await session.exec(
            select(Pledge.id).where(  # type: ignore[call-overload]
                Pledge.campaign_id == campaign.id,
                Pledge.backer_id == backer_id,
                Pledge.state == PledgeState.ACTIVE.value,
            )
        )
        if mine.first() is not None:
            raise PledgeRefused(
                "you back this campaign already: change that pledge", field="campaign_id"
            )
        income = worth = None
        if campaign.kind == CampaignKind.EQUITY.value:
            income, worth = await check_investor_limit(session, request, backer_id, now)
        tier = None
        if request.tier_id is not None:
            tier = await take_unit(session, campaign, request.tier_id, request.amount.minor)
        row = Pledge(
            campaign_id=campaign.id,
            backer_id=backer_id,
            tier_id=request.tier_id,
            kind=campaign.kind,
            currency=campaign.currency,
            amount=request.amount.minor,
            tip=tip,
            state=PledgeState.ACTIVE.value,
            terms_version=campaign.terms_version,
            declared_income=income,
            declared_net_worth=worth,
            created_at=now,
            updated_at=now,
        )
        campaign.pledged += row.amount
        campaign.tips += tip
        campaign.backers += 1
        campaign.updated_at = now
        session.add_all([row, campaign])
        await session.flush()
        await campaign_updated(
            session, campaign, CampaignChange.PLEDGED, now=now, audience=[backer_id], tier=tier
        )
        await pledge_updated(session, row, creator_id=campaign.creator_id, now=now)
        audit(
            session, actor, "pledge", at=now, target=row, details={"amount": row.amount, "tip": tip}
        )
        # Last: the escrow account is every backer's, so it is locked for the shortest time.
        row.hold_id = await hold_pledge(
            session, campaign, backer_id=backer_id, amount=row.amount + tip, now=now
        )
        session.add(row)
        return PledgeKept(pledge_id=row.id, campaign_id=campaign.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="crowdfunding.pledge",
        request={
            "campaign": str(request.campaign_id),
            "amount": request.amount.minor,
            "currency": request.amount.currency,
            "tier": str(request.tier_id) if request.tier_id else None,
            "tip": request.tip.minor if request.tip else None,
            "income": request.annual_income.minor if request.annual_income else None,
            "worth": request.net_worth.minor if request.net_worth else None,
        },
        execute=execute,
        answer=PledgeKept,
    )
    return await pledge_now(session, answer.pledge_id)


async def pledge_now(session: AsyncSession, pledge_id: UUID) -> PledgeView:
    """The pledge and its campaign as they are now (just written, or on a replay)."""
    row = await session.get(Pledge, pledge_id)
    assert row is not None  # pledges are never deleted
    campaign = await session.get(Campaign, row.campaign_id)
    assert campaign is not None
    return PledgeView(row, campaign)
