"""Campaigns, reward tiers and pledges as nodes: each read by the use case of its own query."""

from __future__ import annotations

from uuid import UUID

from domain.crowdfunding.services import reads
from graph.context import Info
from graph.crowdfunding.types import Campaign, Pledge, RewardTier
from graph.nodes import in_key_order, register_node


async def _campaigns(info: Info, keys: list[UUID]) -> list[Campaign | None]:
    async with info.context.db() as session:
        rows = await reads.campaigns_by_id(session, actor=info.context.actor, ids=keys)
    return in_key_order(keys, rows, Campaign.of, lambda v: v.campaign.id)


async def _tiers(info: Info, keys: list[UUID]) -> list[RewardTier | None]:
    async with info.context.db() as session:
        rows = await reads.tiers_by_id(session, actor=info.context.actor, ids=keys)
        views = await reads.campaigns_by_id(
            session, actor=info.context.actor, ids={t.campaign_id for t in rows}
        )
    currency = {v.campaign.id: v.campaign.currency for v in views}
    return in_key_order(keys, rows, lambda t: RewardTier.of(t, currency[t.campaign_id]))


async def _pledges(info: Info, keys: list[UUID]) -> list[Pledge | None]:
    async with info.context.db() as session:
        rows = await reads.pledges_by_id(session, actor=info.context.actor, ids=keys)
    return in_key_order(keys, rows, Pledge.of, lambda v: v.pledge.id)


register_node("Campaign", Campaign, _campaigns)
register_node("RewardTier", RewardTier, _tiers)
register_node("Pledge", Pledge, _pledges)
