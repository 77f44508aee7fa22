"""What a pledge must satisfy, shared by a new pledge (pledge_batch.py) and a change of one
(pledge_changes.py): the campaign live, an amount its kind accepts, a reward tier's unit, an
equity investor's 12-month limit, a debt campaign's goal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import case, func, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import NotFound
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
from domain.crowdfunding.states import CampaignKind, CampaignState, PledgeState
from domain.crowdfunding.tables import Campaign, Pledge, RewardTier
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
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
    set_committed_value(tier, "taken", count)  # as stored: no second UPDATE at the flush
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


async def give_back_unit(session: AsyncSession, tier_id: UUID | None) -> RewardTier | None:
    """Return one unit of the tier (a pledge on it cancelled, or refused after taking it)."""
    if tier_id is None:
        return None
    await (await session.connection()).execute(
        update(TIERS).where(TIERS.c.id == tier_id).values(taken=TIERS.c.taken - 1)
    )
    return await session.get(RewardTier, tier_id, populate_existing=True)
