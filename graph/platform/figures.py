"""The operator's volume per day by business line, read from the ledger
(domain/ledger/services/figures.py); revenue is the `revenue` report's (graph/revenue/)."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.ledger.services import figures as service
from domain.money import Money as DomainMoney
from domain.money import currency_of
from domain.participants.roles import Role
from graph.context import Info
from graph.money import Money
from graph.permissions import allow
from graph.revenue.types import BusinessLine


@strawberry.type(description="What one business line moved on one day (UTC).")
class DailyVolume:
    day: date
    business_line: BusinessLine
    count: int = strawberry.field(description="Postings that originated it (loans, payments…).")
    amount: Money


@strawberry.type
class PlatformFigureQueries:
    @allow(Role.OPERATOR)
    @strawberry.field(
        description="Operators: volume per day by business line over the last `days` days "
        "(today included), oldest first; days without volume are left out."
    )
    async def daily_volume(self, info: Info, currency: str, days: int = 30) -> list[DailyVolume]:
        currency_of(currency)
        async with info.context.db() as session:
            found = await service.daily_volume(
                session,
                actor=info.context.actor,
                clock=info.context.clock,
                currency=currency,
                days=days,
            )
        return [
            DailyVolume(
                day=v.day,
                business_line=v.line,
                count=v.postings,
                amount=Money.of(DomainMoney(v.amount, currency)),
            )
            for v in found
        ]
