"""Funds, holdings and redemptions as nodes: each read by the use case of its own query."""

from __future__ import annotations

from uuid import UUID

from domain.wealth.services import reads
from graph.context import Info
from graph.nodes import in_key_order, register_node
from graph.wealth.types import Fund, FundHolding, FundRedemption


async def _funds(info: Info, keys: list[UUID]) -> list[Fund | None]:
    async with info.context.db() as session:
        views = await reads.funds(session, ids=keys)
    return in_key_order(keys, views, Fund.of, lambda v: v.fund.id)


async def _holdings(info: Info, keys: list[UUID]) -> list[FundHolding | None]:
    async with info.context.db() as session:
        views = await reads.holdings_by_id(session, actor=info.context.actor, ids=keys)
    return in_key_order(keys, views, FundHolding.of, lambda v: v.holding.id)


async def _redemptions(info: Info, keys: list[UUID]) -> list[FundRedemption | None]:
    async with info.context.db() as session:
        rows = await reads.redemptions_by_id(session, actor=info.context.actor, ids=keys)
    return in_key_order(keys, rows, FundRedemption.of)


register_node("Fund", Fund, _funds)
register_node("FundHolding", FundHolding, _holdings)
register_node("FundRedemption", FundRedemption, _redemptions)
