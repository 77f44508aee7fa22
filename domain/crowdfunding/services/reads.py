"""Reading campaigns, tiers and pledges as each caller may see them.

A campaign is public once it has been live; before, only its creator and operators see it.
A pledge shows to its backer, the campaign's creator and operators; a tier with its
campaign. Anything else looks exactly like nothing at all.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.crowdfunding.states import (
    PUBLIC_STATES,
    CampaignKind,
    CampaignState,
    PledgeState,
)
from domain.crowdfunding.tables import Campaign, Pledge, RewardTier
from domain.services.keyset import newest_first

PUBLIC = [state.value for state in PUBLIC_STATES]


@dataclass(frozen=True, slots=True)
class CampaignView:
    """A campaign with its reward tiers (in the creator's order)."""

    campaign: Campaign
    tiers: tuple[RewardTier, ...]


@dataclass(frozen=True, slots=True)
class PledgeView:
    """A pledge with its campaign as it is now."""

    pledge: Pledge
    campaign: Campaign


def view_of(campaign: Campaign, tiers: Sequence[RewardTier]) -> CampaignView:
    return CampaignView(campaign, tuple(sorted(tiers, key=lambda t: t.position)))


def may_see(actor: Actor, campaign: Campaign) -> bool:
    return CampaignState(campaign.state) in PUBLIC_STATES or actor.may_see(campaign.creator_id)


async def tiers_of(
    session: AsyncSession, campaign_ids: Collection[UUID]
) -> dict[UUID, list[RewardTier]]:
    rows = await session.exec(
        select(RewardTier)
        .where(col(RewardTier.campaign_id).in_(list(campaign_ids)))
        .order_by(col(RewardTier.position))
    )
    found: dict[UUID, list[RewardTier]] = {}
    for tier in rows:
        found.setdefault(tier.campaign_id, []).append(tier)
    return found


async def views(session: AsyncSession, campaigns: Sequence[Campaign]) -> list[CampaignView]:
    tiers = await tiers_of(session, [c.id for c in campaigns])
    return [view_of(c, tiers.get(c.id, [])) for c in campaigns]


async def campaigns_by_id(
    session: AsyncSession, *, actor: Actor, ids: Collection[UUID]
) -> list[CampaignView]:
    """The campaigns of `ids` the caller may see."""
    rows = await session.exec(select(Campaign).where(col(Campaign.id).in_(list(ids))))
    return await views(session, [c for c in rows if may_see(actor, c)])


async def get_campaign(session: AsyncSession, *, actor: Actor, campaign_id: UUID) -> CampaignView:
    """The campaign, if the caller may see it; NotFound otherwise."""
    found = await campaigns_by_id(session, actor=actor, ids=[campaign_id])
    if not found:
        raise NotFound("no such campaign", field="campaign_id")
    return found[0]


@dataclass(frozen=True, slots=True)
class CampaignFilter:
    kind: CampaignKind | None = None
    state: CampaignState | None = None
    category: str | None = None
    ending_soon: bool = False  # live ones, soonest deadline first


async def browse_campaigns(
    session: AsyncSession,
    *,
    actor: Actor,
    where: CampaignFilter,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[CampaignView]:
    """Campaigns anyone may see (an operator: all), newest first, or the live ones ending
    soonest first; keyset-paged after (moment, id)."""
    query = select(Campaign)
    if not actor.is_operator:
        query = query.where(col(Campaign.state).in_(PUBLIC))
    if where.kind is not None:
        query = query.where(col(Campaign.kind) == where.kind.value)
    if where.state is not None:
        query = query.where(col(Campaign.state) == where.state.value)
    if where.category:
        query = query.where(col(Campaign.category) == where.category.strip().lower())
    if where.ending_soon:
        deadline = col(Campaign.deadline)
        query = query.where(col(Campaign.state) == CampaignState.LIVE.value)
        if after is not None:
            at, last = after
            query = query.where(or_(deadline > at, and_(deadline == at, col(Campaign.id) > last)))
        query = query.order_by(deadline, col(Campaign.id)).limit(limit)
    else:
        query = newest_first(
            query, col(Campaign.created_at), col(Campaign.id), after=after, limit=limit
        )
    return await views(session, list((await session.exec(query)).all()))


async def my_campaigns(session: AsyncSession, *, actor: Actor, limit: int) -> list[CampaignView]:
    """The caller's own campaigns, newest first, whatever their state."""
    creator = actor.require_participant()
    query = newest_first(
        select(Campaign).where(col(Campaign.creator_id) == creator),
        col(Campaign.created_at),
        col(Campaign.id),
        after=None,
        limit=limit,
    )
    return await views(session, list((await session.exec(query)).all()))


async def tiers_by_id(
    session: AsyncSession, *, actor: Actor, ids: Collection[UUID]
) -> list[RewardTier]:
    """The tiers of `ids` whose campaign the caller may see."""
    rows = await session.exec(
        select(RewardTier, Campaign)
        .join(Campaign, col(Campaign.id) == col(RewardTier.campaign_id))
        .where(col(RewardTier.id).in_(list(ids)))
    )
    return [tier for tier, campaign in rows if may_see(actor, campaign)]


def may_see_pledge(actor: Actor, pledge: Pledge, campaign: Campaign) -> bool:
    return actor.may_see(pledge.backer_id) or actor.may_see(campaign.creator_id)


async def _pledge_views(session: AsyncSession, query: Any) -> list[PledgeView]:
    rows = await session.exec(query)
    return [PledgeView(pledge, campaign) for pledge, campaign in rows]


def _with_campaign() -> Any:
    return select(Pledge, Campaign).join(Campaign, col(Campaign.id) == col(Pledge.campaign_id))


async def pledges_by_id(
    session: AsyncSession, *, actor: Actor, ids: Collection[UUID]
) -> list[PledgeView]:
    """The pledges of `ids` the caller backs, or whose campaign it runs."""
    actor.require_participant()
    found = await _pledge_views(session, _with_campaign().where(col(Pledge.id).in_(list(ids))))
    return [v for v in found if may_see_pledge(actor, v.pledge, v.campaign)]


async def my_pledges(
    session: AsyncSession,
    *,
    actor: Actor,
    after: tuple[datetime, UUID] | None,
    limit: int,
    state: PledgeState | None = None,
) -> list[PledgeView]:
    """The caller's pledges, newest first."""
    backer = actor.require_participant()
    query = _with_campaign().where(col(Pledge.backer_id) == backer)
    if state is not None:
        query = query.where(col(Pledge.state) == state.value)
    query = newest_first(query, col(Pledge.created_at), col(Pledge.id), after=after, limit=limit)
    return await _pledge_views(session, query)


async def campaign_pledges(
    session: AsyncSession,
    *,
    actor: Actor,
    campaign_id: UUID,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[PledgeView]:
    """The backers of a campaign, newest first: its creator and operators only."""
    actor.require_participant()
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None or not actor.may_see(campaign.creator_id):
        raise NotFound("no such campaign", field="campaign_id")
    query = newest_first(
        _with_campaign().where(col(Pledge.campaign_id) == campaign_id),
        col(Pledge.created_at),
        col(Pledge.id),
        after=after,
        limit=limit,
    )
    return await _pledge_views(session, query)


@dataclass(frozen=True, slots=True)
class CapTableLine:
    holder_id: UUID
    pledge_id: UUID
    shares: int
    paid: int  # minor units: shares x price


async def cap_table(
    session: AsyncSession, *, actor: Actor, campaign_id: UUID
) -> tuple[Campaign, list[CapTableLine]]:
    """An equity campaign's allotments, largest first: its creator and operators see every
    line, an investor its own."""
    actor.require_participant()
    campaign = await session.get(Campaign, campaign_id)
    if (
        campaign is None
        or campaign.kind != CampaignKind.EQUITY.value
        or not may_see(actor, campaign)
    ):
        raise NotFound("no such campaign", field="campaign_id")
    query = select(Pledge).where(col(Pledge.campaign_id) == campaign_id, col(Pledge.shares) > 0)
    if not actor.may_see(campaign.creator_id):
        query = query.where(col(Pledge.backer_id) == actor.participant_id)
    rows = (
        await session.exec(query.order_by(col(Pledge.shares).desc(), col(Pledge.created_at)))
    ).all()
    price = campaign.price_per_share or 0
    lines = [CapTableLine(p.backer_id, p.id, p.shares or 0, (p.shares or 0) * price) for p in rows]
    return campaign, lines
