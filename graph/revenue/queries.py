"""Operators' revenue report."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from domain.participants.roles import Role
from domain.revenue.services.revenue_report import revenue_report
from graph.context import Info
from graph.permissions import allow
from graph.revenue.types import RevenueGrouping, RevenueReport


@strawberry.type
class RevenueQueries:
    @allow(Role.OPERATOR)
    @strawberry.field(
        description="Operators: the platform's revenue from `from` to `to` (UTC days, both "
        "included), by stream, day, month or business line."
    )
    async def revenue(
        self,
        info: Info,
        currency: str,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        group_by: RevenueGrouping = RevenueGrouping.STREAM,
    ) -> RevenueReport:
        async with info.context.db() as session:
            result = await revenue_report(
                session,
                actor=info.context.actor,
                currency=currency,
                first_day=from_,
                last_day=to,
                group_by=group_by,
            )
        return RevenueReport.of(result)
