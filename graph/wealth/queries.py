"""Browsing funds (anyone), my holdings and redemptions, and the asset manager's and
operators' view of each fund's book and days."""

from __future__ import annotations

import strawberry

from domain.advertising.items import ItemKind
from domain.participants.roles import Role, Scope
from domain.wealth.services import reads
from graph.advertising.browsing import promoted_first
from graph.context import Info
from graph.hardening.policy import page_size
from graph.permissions import ANYONE, SIGNED_IN, allow
from graph.relay import optional_uuid_of, uuid_of
from graph.wealth.types import Fund, FundBook, FundDay, FundHolding, FundRedemption


@strawberry.type
class WealthQueries:
    @allow(ANYONE)
    @strawberry.field(
        description="Money-market funds, newest first (promoted ones, sponsored, first), with "
        "their latest yield."
    )
    async def funds(self, info: Info) -> list[Fund]:
        async with info.context.db() as session:
            views = await reads.funds(session)
        return await promoted_first(info, ItemKind.FUND, [Fund.of(view) for view in views])

    @allow(ANYONE)
    @strawberry.field(description="A fund by id (null if there is none).")
    async def fund(self, info: Info, id: strawberry.ID) -> Fund | None:
        async with info.context.db() as session:
            views = await reads.funds(session, ids=[uuid_of(id, "Fund")])
        return Fund.of(views[0]) if views else None

    @allow(SIGNED_IN)
    @strawberry.field(
        description="Your fund holdings: units, yesterday's income and the 7-day yield."
    )
    async def my_fund_holdings(self, info: Info) -> list[FundHolding]:
        async with info.context.db() as session:
            views = await reads.my_holdings(session, actor=info.context.actor)
        return [FundHolding.of(view) for view in views]

    @allow(SIGNED_IN)
    @strawberry.field(description="Your fund redemptions, newest first (of one fund, or all).")
    async def my_fund_redemptions(
        self, info: Info, fund_id: strawberry.ID | None = None, first: int | None = None
    ) -> list[FundRedemption]:
        async with info.context.db() as session:
            rows = await reads.my_redemptions(
                session,
                actor=info.context.actor,
                fund_id=optional_uuid_of(fund_id, "Fund"),
                limit=page_size(first, info.context.hardening),
            )
        return [FundRedemption.of(row) for row in rows]

    @allow(Role.ASSET_MANAGER, Role.OPERATOR, key=Scope.FUNDS_READ)
    @strawberry.field(
        description="Asset managers: your funds' books; operators: every fund's. Newest first."
    )
    async def managed_funds(self, info: Info) -> list[FundBook]:
        async with info.context.db() as session:
            views = await reads.managed_funds(session, actor=info.context.actor)
        return [FundBook.of(view) for view in views]

    @allow(Role.ASSET_MANAGER, Role.OPERATOR, key=Scope.FUNDS_READ)
    @strawberry.field(
        description="A fund's published days, newest first, and what posting each did (null "
        "if there is no such fund you manage)."
    )
    async def fund_days(
        self, info: Info, fund_id: strawberry.ID, first: int | None = None
    ) -> list[FundDay] | None:
        wanted = uuid_of(fund_id, "Fund")
        async with info.context.db() as session:
            rows = await reads.fund_days(
                session,
                actor=info.context.actor,
                fund_id=wanted,
                limit=page_size(first, info.context.hardening),
            )
            views = await reads.funds(session, ids=[wanted])
        if rows is None or not views:
            return None
        return [FundDay.of(row, views[0].fund.currency) for row in rows]
