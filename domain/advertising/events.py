"""Advertising's event: a placement as a change left it (created, charged, ended).

Money is minor units of `currency`; ids are the rows' ids as text; moments ISO text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.catalog import EventType
from domain.events.payloads import EventPayload, event_payload


@event_payload
@dataclass(frozen=True)
class PlacementUpdated(EventPayload):
    """Told to the advertiser: CREATED, CHARGED (a batch), EXHAUSTED, ENDED or CANCELLED."""

    EVENT_TYPE: ClassVar[EventType] = EventType.PLACEMENT_UPDATED
    AGGREGATE_TYPE: ClassVar[str] = "Placement"

    placement_id: str
    change: str
    state: str
    item_kind: str
    item_id: str
    pricing: str
    currency: str
    bid: int
    budget: int
    charged: int  # in all, this change included
    charge: int  # this change's batch (0 but for CHARGED and final batches)
    returned: int  # unspent budget given back to the wallet (on an end)
