"""Funds, holdings and redemptions as nodes: each read by the use case of its own query."""

from __future__ import annotations

from uuid import UUID

from domain.wealth.services import plans, reads
from graph.context import Info
from graph.nodes import in_key_order, register_node
from graph.wealth.plans import LendingPlan, PlanStake
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


async def _plans(info: Info, keys: list[UUID]) -> list[LendingPlan | None]:
    async with info.context.db() as session:
        rows = await plans.plans_by_id(session, keys)
    return in_key_order(keys, rows, LendingPlan.of)


async def _stakes(info: Info, keys: list[UUID]) -> list[PlanStake | None]:
    async with info.context.db() as session:
        views = await plans.stakes_by_id(
            session, actor=info.context.actor, clock=info.context.clock, ids=keys
        )
    return in_key_order(keys, views, PlanStake.of, lambda v: v.stake.id)


register_node("Fund", Fund, _funds)
register_node("LendingPlan", LendingPlan, _plans)
register_node("PlanStake", PlanStake, _stakes)
register_node("FundHolding", FundHolding, _holdings)
register_node("FundRedemption", FundRedemption, _redemptions)
