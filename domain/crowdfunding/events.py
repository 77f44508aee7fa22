"""Crowdfunding's events: a campaign's progress or state changed; a pledge changed.

Money is minor units of `currency`; ids are the rows' ids as text; moments ISO text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.catalog import EventType
from domain.events.payloads import EventPayload, event_payload


@event_payload
@dataclass(frozen=True)
class CampaignUpdated(EventPayload):
    """The campaign as it is after the change: its state and progress, and what changed."""

    EVENT_TYPE: ClassVar[EventType] = EventType.CAMPAIGN_UPDATED
    AGGREGATE_TYPE: ClassVar[str] = "Campaign"

    campaign_id: str
    change: str  # CampaignChange: what happened
    state: str
    kind: str
    funding_model: str
    currency: str
    goal: int
    pledged: int
    backers: int
    captured: int
    fee: int
    deadline: str | None  # ISO timestamp, once live
    tier_id: str | None = None  # the tier a pledge took or gave back a unit of
    tier_taken: int | None = None  # its units taken after the change


@event_payload
@dataclass(frozen=True)
class PledgeUpdated(EventPayload):
    """A pledge as it is after the change."""

    EVENT_TYPE: ClassVar[EventType] = EventType.PLEDGE_UPDATED
    AGGREGATE_TYPE: ClassVar[str] = "Pledge"

    pledge_id: str
    campaign_id: str
    state: str
    amount: int
    tip: int
    currency: str
    captured: int
    refunded: int
    shares: int | None = None  # equity: allotted at success
