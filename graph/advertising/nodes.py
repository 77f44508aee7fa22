"""Placements as nodes: their advertiser's (and operators'), as myPlacements shows them."""

from __future__ import annotations

from uuid import UUID

from domain.advertising.services import reads
from graph.advertising.types import Placement
from graph.context import Info
from graph.nodes import in_key_order, register_node


async def _placements(info: Info, keys: list[UUID]) -> list[Placement | None]:
    async with info.context.db() as session:
        rows = await reads.placements_by_id(session, actor=info.context.actor, ids=keys)
    return in_key_order(keys, rows, Placement.of)


register_node("Placement", Placement, _placements)
