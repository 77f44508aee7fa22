"""The operator's figures of the whole platform: volume per day by business line and revenue
by stream, read from the ledger (domain/ledger/services/figures.py)."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.ledger.business_lines import BusinessLine
from domain.ledger.services import figures as service
from domain.money import Money as DomainMoney
from domain.money import currency_of
from domain.participants.roles import Role
from graph.context import Info
from graph.money import Money
from graph.permissions import allow

strawberry.enum(BusinessLine, description="A line of business: what its volume counts.")


@strawberry.type(description="What one business line moved on one day (UTC).")
class DailyVolume:
    day: date
    business_line: BusinessLine
    count: int = strawberry.field(description="Postings that originated it (loans, payments…).")
    amount: Money


@strawberry.type(description="The platform's revenue earned in one stream (fees refunded off).")
class RevenueStream:
    stream: str = strawberry.field(description='"mdr", "origination", "spread", …')
    earned: Money


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

    @allow(Role.OPERATOR)
    @strawberry.field(description="Operators: the platform's revenue by stream, largest first.")
    async def revenue_by_stream(self, info: Info, currency: str) -> list[RevenueStream]:
        currency_of(currency)
        async with info.context.db() as session:
            found = await service.revenue_by_stream(
                session, actor=info.context.actor, currency=currency
            )
        return [
            RevenueStream(stream=r.stream, earned=Money.of(DomainMoney(r.earned, currency)))
            for r in found
        ]
