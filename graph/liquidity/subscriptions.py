"""`riskThresholdCrossed`: operators hear of every risk threshold crossed.

No `from __future__ import annotations` here: strawberry reads the resolvers' real types.
"""

import strawberry

from domain.events.catalog import EventType
from domain.participants.roles import Role
from graph.events.following import typed_subscription
from graph.events.subscriptions import typed_event
from graph.permissions import allow


@strawberry.type
class LiquiditySubscriptions:
    risk_threshold_crossed = allow(Role.OPERATOR)(
        typed_subscription(typed_event(EventType.RISK_THRESHOLD_CROSSED))
    )
