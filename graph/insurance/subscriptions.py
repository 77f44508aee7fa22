"""`policyUpdated` and `claimUpdated`: the policies and claims that concern you.

No `from __future__ import annotations` here: strawberry reads the resolvers' real types.
"""

import strawberry

from domain.events.catalog import EventType
from domain.participants.roles import Scope
from graph.events.following import typed_subscription
from graph.events.subscriptions import typed_event
from graph.permissions import SIGNED_IN, allow

INSURANCE_EVENTS = {Scope.EVENTS_READ, Scope.PROFILE_READ}


@strawberry.type
class InsuranceSubscriptions:
    policy_updated = allow(SIGNED_IN, key=INSURANCE_EVENTS)(
        typed_subscription(typed_event(EventType.POLICY_UPDATED))
    )
    claim_updated = allow(SIGNED_IN, key=INSURANCE_EVENTS)(
        typed_subscription(typed_event(EventType.CLAIM_UPDATED))
    )
