"""Operators' liquidity and risk view."""

from __future__ import annotations

import strawberry

from domain.liquidity.services.position import liquidity_position
from domain.participants.roles import Role
from graph.context import Info
from graph.liquidity.types import LiquidityView
from graph.permissions import allow


@strawberry.type
class LiquidityQueries:
    @allow(Role.OPERATOR)
    @strawberry.field(
        description="Operators: what the platform owes against what it holds, cover against "
        "what it covers, and concentration, read against the risk thresholds."
    )
    async def liquidity(self, info: Info, currency: str) -> LiquidityView:
        async with info.context.db() as session:
            position = await liquidity_position(
                session, actor=info.context.actor, currency=currency, now=info.context.clock.now()
            )
        return LiquidityView.of(position)
