"""Insurance's events: a policy was issued, cancelled, expired or claimed out; a claim was
opened, decided or paid (`change` says which).

Money is minor units of `currency`; ids are the rows' ids as text; moments ISO text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.catalog import EventType
from domain.events.payloads import EventPayload, event_payload


@event_payload
@dataclass(frozen=True)
class PolicyUpdated(EventPayload):
    """The policy as it is after the change (to its holder and its insurer)."""

    EVENT_TYPE: ClassVar[EventType] = EventType.POLICY_UPDATED
    AGGREGATE_TYPE: ClassVar[str] = "Policy"

    policy_id: str
    change: str  # ISSUED, CANCELLED, EXPIRED, CLAIMED_OUT
    state: str
    kind: str
    product_id: str
    currency: str
    insured: int
    premium: int
    commission: int
    refunded: int
    starts_at: str
    ends_at: str
    subject_type: str | None = None
    subject_id: str | None = None


@event_payload
@dataclass(frozen=True)
class ClaimUpdated(EventPayload):
    """The claim as it is after the change (to the insured, the beneficiary, the insurer)."""

    EVENT_TYPE: ClassVar[EventType] = EventType.CLAIM_UPDATED
    AGGREGATE_TYPE: ClassVar[str] = "Claim"

    claim_id: str
    policy_id: str
    change: str  # OPENED, DECIDED, PAID, PAYMENT_FAILED
    state: str
    currency: str
    loss: int
    approved: int
    paid: int
    decision: str | None = None
    reason: str = ""
