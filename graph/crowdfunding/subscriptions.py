"""`campaignUpdated` (every campaign you run or back, or one of them) and `pledgeUpdated`.

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
from graph.events.types import CampaignUpdatedEvent
from graph.permissions import SIGNED_IN, allow
from graph.relay import optional_uuid_of

CROWDFUNDING_EVENTS = {Scope.EVENTS_READ, Scope.PROFILE_READ}


@strawberry.type
class CrowdfundingSubscriptions:
    @allow(SIGNED_IN, key=CROWDFUNDING_EVENTS)
    @strawberry.subscription(description=DESCRIPTIONS[EventType.CAMPAIGN_UPDATED])
    async def campaign_updated(
        self,
        info: Info,
        campaign_id: strawberry.ID | None = None,
        after: Annotated[str | None, AFTER] = None,
    ) -> AsyncGenerator[CampaignUpdatedEvent, None]:
        wanted = optional_uuid_of(campaign_id, "Campaign")
        async for event in follow(info, [EventType.CAMPAIGN_UPDATED], after):
            if wanted is None or event.aggregate_id == str(wanted):
                yield shared_event(event, CampaignUpdatedEvent.from_stream)

    pledge_updated = allow(SIGNED_IN, key=CROWDFUNDING_EVENTS)(
        typed_subscription(typed_event(EventType.PLEDGE_UPDATED))
    )
