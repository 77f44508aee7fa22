"""A placement's day row: what each counted impression, click and charged batch adds to it.

One upsert per change, keyed by (placement, UTC day); the rows are the placement's counts,
its accrued cost (the worker charges from their sum) and the advertiser's daily report.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

_ADD = text(
    """
    INSERT INTO ad_day AS d (placement_id, day, impressions, clicks, accrued, spend)
    VALUES (:placement, :day, :impressions, :clicks, :accrued, :spend)
    ON CONFLICT (placement_id, day) DO UPDATE SET
        impressions = d.impressions + excluded.impressions,
        clicks = d.clicks + excluded.clicks,
        accrued = d.accrued + excluded.accrued,
        spend = d.spend + excluded.spend
    """
)

_ACCRUED = text("SELECT COALESCE(SUM(accrued), 0) FROM ad_day WHERE placement_id = :placement")


async def add_to_day(
    session: AsyncSession,
    placement_id: UUID,
    at: datetime,
    *,
    impressions: int = 0,
    clicks: int = 0,
    accrued: int = 0,
    spend: int = 0,
) -> None:
    await (await session.connection()).execute(
        _ADD,
        {
            "placement": placement_id,
            "day": at.astimezone(UTC).date(),
            "impressions": impressions,
            "clicks": clicks,
            "accrued": accrued,
            "spend": spend,
        },
    )


async def accrued_total(session: AsyncSession, placement_id: UUID) -> int:
    """Every counted unit's price so far (the cumulative cost's basis)."""
    found = await (await session.connection()).execute(_ACCRUED, {"placement": placement_id})
    return int(found.scalar_one())
