"""What every crowdfunding use case shares: locking a campaign, its events, its audit entry."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.crowdfunding.events import CampaignUpdated, PledgeUpdated
from domain.crowdfunding.states import CampaignChange, CampaignEvent, CampaignState, transition
from domain.crowdfunding.tables import Campaign, Pledge, RewardTier
from domain.events.rows import payload_row
from domain.events.services.outbox import record_events


async def lock_campaign(session: AsyncSession, campaign_id: UUID) -> Campaign:
    """The campaign, its row locked until the transaction ends; NotFound if there is none."""
    campaign = await session.get(
        Campaign, campaign_id, with_for_update=True, populate_existing=True
    )
    if campaign is None:
        raise NotFound("no such campaign", field="campaign_id")
    return campaign


def step(campaign: Campaign, event: CampaignEvent, now: datetime) -> None:
    """Move the campaign along the transition table."""
    campaign.state = transition(CampaignState(campaign.state), event).value
    campaign.updated_at = now


async def campaign_updated(
    session: AsyncSession,
    campaign: Campaign,
    change: CampaignChange,
    *,
    now: datetime,
    audience: Iterable[UUID] = (),
    tier: RewardTier | None = None,
) -> None:
    """Tell the creator (and `audience`) how the campaign stands after `change`."""
    await record_events(
        session, [campaign_updated_row(campaign, change, now=now, audience=audience, tier=tier)]
    )


def campaign_updated_row(
    campaign: Campaign,
    change: CampaignChange,
    *,
    now: datetime,
    audience: Iterable[UUID] = (),
    tier: RewardTier | None = None,
) -> dict[str, Any]:
    """campaign_updated's outbox row, for a use case that writes many events at once."""
    event = CampaignUpdated(
        campaign_id=str(campaign.id),
        change=change.value,
        state=campaign.state,
        kind=campaign.kind,
        funding_model=campaign.funding_model,
        currency=campaign.currency,
        goal=campaign.goal,
        pledged=campaign.pledged,
        backers=campaign.backers,
        captured=campaign.captured,
        fee=campaign.fee,
        deadline=campaign.deadline.isoformat() if campaign.deadline else None,
        tier_id=str(tier.id) if tier else None,
        tier_taken=tier.taken if tier else None,
    )
    return payload_row(
        event,
        aggregate_id=campaign.id,
        occurred_at=now,
        audience=dict.fromkeys([campaign.creator_id, *audience]),
    )


async def pledge_updated(
    session: AsyncSession, pledge: Pledge, *, creator_id: UUID, now: datetime
) -> None:
    """Tell the backer and the creator how the pledge stands."""
    await record_events(session, [pledge_updated_row(pledge, creator_id=creator_id, now=now)])


def pledge_updated_row(pledge: Pledge, *, creator_id: UUID, now: datetime) -> dict[str, Any]:
    """pledge_updated's outbox row, for a use case that writes many events at once."""
    event = PledgeUpdated(
        pledge_id=str(pledge.id),
        campaign_id=str(pledge.campaign_id),
        state=pledge.state,
        amount=pledge.amount,
        tip=pledge.tip,
        currency=pledge.currency,
        captured=pledge.captured,
        refunded=pledge.refunded,
        shares=pledge.shares,
    )
    return payload_row(
        event,
        aggregate_id=pledge.id,
        occurred_at=now,
        audience=dict.fromkeys([pledge.backer_id, creator_id]),
    )


def audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    at: datetime,
    target: Campaign | Pledge,
    details: dict[str, Any] | None = None,
) -> None:
    """The audit entry of a crowdfunding action (every privileged and money-moving one)."""
    record(
        session,
        actor=actor,
        action=f"crowdfunding.{action}",
        outcome=Outcome.SUCCESS,
        at=at,
        target_type=type(target).__name__,
        target_id=target.id,
        details=details or {},
    )
