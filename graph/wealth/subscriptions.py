"""`fundIncomePosted` (your funds', or one's), `fundRedemptionUpdated`, `planMatured` and
`planExitUpdated`.

No `from __future__ import annotations` here: strawberry reads the resolvers' real types.
"""

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from domain.events.catalog import EventType
from domain.participants.roles import Scope
from graph.context import Info
from graph.events.following import AFTER, follow, typed_subscription
from graph.events.sharing import shared_event
from graph.events.subscriptions import DESCRIPTIONS, typed_event
from graph.events.types import FundIncomePostedEvent
from graph.permissions import SIGNED_IN, allow
from graph.relay import optional_uuid_of

WEALTH_EVENTS = {Scope.EVENTS_READ, Scope.FUNDS_READ}


@strawberry.type
class WealthSubscriptions:
    @allow(SIGNED_IN, key=WEALTH_EVENTS)
    @strawberry.subscription(description=DESCRIPTIONS[EventType.FUND_INCOME_POSTED])
    async def fund_income_posted(
        self,
        info: Info,
        fund_id: strawberry.ID | None = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> AsyncGenerator[FundIncomePostedEvent, None]:
        wanted = optional_uuid_of(fund_id, "Fund")
        async for event in follow(info, [EventType.FUND_INCOME_POSTED], after):
            if wanted is None or event.aggregate_id == str(wanted):
                yield shared_event(event, FundIncomePostedEvent.from_stream)

    fund_redemption_updated = allow(SIGNED_IN, key=WEALTH_EVENTS)(
        typed_subscription(typed_event(EventType.FUND_REDEMPTION_UPDATED))
    )
    plan_matured = allow(SIGNED_IN, key=WEALTH_EVENTS)(
        typed_subscription(typed_event(EventType.PLAN_MATURED))
    )
    plan_exit_updated = allow(SIGNED_IN, key=WEALTH_EVENTS)(
        typed_subscription(typed_event(EventType.PLAN_EXIT_UPDATED))
    )
