"""Advertisers read their placements and, per UTC day, impressions, clicks, CTR and spend."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.advertising.tables import AdDay, AdPlacement


async def my_placements(
    session: AsyncSession, *, actor: Actor, limit: int = 100
) -> list[AdPlacement]:
    """The caller's placements, newest first."""
    advertiser = actor.require_participant()
    query = (
        select(AdPlacement)
        .where(col(AdPlacement.advertiser_id) == advertiser)
        .order_by(col(AdPlacement.created_at).desc(), col(AdPlacement.id))
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def placement_days(
    session: AsyncSession, placement_ids: Sequence[UUID]
) -> dict[UUID, list[AdDay]]:
    """Each placement's days, oldest first (the caller checked whose they are)."""
    query = (
        select(AdDay)
        .where(col(AdDay.placement_id).in_(list(placement_ids)))
        .order_by(col(AdDay.placement_id), col(AdDay.day))
    )
    days: dict[UUID, list[AdDay]] = {p: [] for p in placement_ids}
    for row in (await session.exec(query)).all():
        days[row.placement_id].append(row)
    return days


async def placements_by_id(
    session: AsyncSession, *, actor: Actor, ids: Sequence[UUID]
) -> list[AdPlacement]:
    """Those of `ids` the caller may see: its own (operators: all); others' are as missing."""
    query = select(AdPlacement).where(col(AdPlacement.id).in_(list(ids)))
    if not actor.is_operator:
        query = query.where(col(AdPlacement.advertiser_id) == actor.participant_id)
    return list((await session.exec(query)).all())
