"""Liquidity's event: a risk threshold was crossed, into breach or back within bounds.

Its audience is empty: operators, who follow every event, are the ones it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.catalog import EventType
from domain.events.payloads import EventPayload, event_payload


@event_payload
@dataclass(frozen=True)
class RiskThresholdCrossed(EventPayload):
    EVENT_TYPE: ClassVar[EventType] = EventType.RISK_THRESHOLD_CROSSED
    AGGREGATE_TYPE: ClassVar[str] = "RiskThreshold"

    metric: str  # Metric
    subject: str  # "" for the platform, else the participant concerned (an insurer, ...)
    currency: str
    value: str  # the ratio, six decimals
    limit: str
    bound: str  # FLOOR or CEILING
    breached: bool  # True: now beyond its limit; False: back within it
    thresholds_version: str
