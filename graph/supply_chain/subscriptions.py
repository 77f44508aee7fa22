"""`receivableUpdated` and `certificateUpdated`: every invoice and certificate that concerns
you (as supplier, core enterprise, holder, seller or financier).

No `from __future__ import annotations` here: strawberry reads the resolvers' real types.
"""

import strawberry

from domain.events.catalog import EventType
from domain.participants.roles import Scope
from graph.events.following import typed_subscription
from graph.events.subscriptions import typed_event
from graph.permissions import SIGNED_IN, allow

SUPPLY_CHAIN_EVENTS = {Scope.EVENTS_READ, Scope.PROFILE_READ}


@strawberry.type
class SupplyChainSubscriptions:
    receivable_updated = allow(SIGNED_IN, key=SUPPLY_CHAIN_EVENTS)(
        typed_subscription(typed_event(EventType.RECEIVABLE_UPDATED))
    )
    certificate_updated = allow(SIGNED_IN, key=SUPPLY_CHAIN_EVENTS)(
        typed_subscription(typed_event(EventType.CERTIFICATE_UPDATED))
    )
