"""Advertisers' placements, with their daily figures."""

from __future__ import annotations

import strawberry

from domain.advertising.services import reads
from graph.advertising.types import Placement
from graph.context import Info
from graph.permissions import SIGNED_IN, allow


@strawberry.type
class AdvertisingQueries:
    @allow(SIGNED_IN)
    @strawberry.field(
        description="Advertisers: your placements, newest first, with spend, impressions, "
        "clicks and CTR per day."
    )
    async def my_placements(self, info: Info) -> list[Placement]:
        async with info.context.db() as session:
            rows = await reads.my_placements(session, actor=info.context.actor)
        return [Placement.of(row) for row in rows]
