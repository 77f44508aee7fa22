"""`placementUpdated`: an advertiser's placements as they are created, charged and end.

No `from __future__ import annotations` here: strawberry reads the resolvers' real types.
"""

import strawberry

from domain.events.catalog import EventType
from graph.events.following import typed_subscription
from graph.events.subscriptions import typed_event
from graph.permissions import SIGNED_IN, allow


@strawberry.type
class AdvertisingSubscriptions:
    # People only: placements are their advertisers' (keys have no advertising scope).
    placement_updated = allow(SIGNED_IN)(
        typed_subscription(typed_event(EventType.PLACEMENT_UPDATED))
    )
