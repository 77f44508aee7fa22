"""The participants context's events: a KYC submission was decided.

Ids are the rows' ids as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.catalog import EventType
from domain.events.payloads import EventPayload, event_payload


@event_payload
@dataclass(frozen=True)
class KycDecided(EventPayload):
    """A submission verified or rejected (by an operator, or by the automated checks)."""

    EVENT_TYPE: ClassVar[EventType] = EventType.KYC_DECIDED
    AGGREGATE_TYPE: ClassVar[str] = "KycSubmission"

    submission_id: str
    participant_id: str
    status: str  # KycStatus: VERIFIED or REJECTED
    kyc_level: int  # the participant's level after the decision
