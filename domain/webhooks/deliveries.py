"""A delivery's states: pending until it is delivered, fails for good, or is cancelled."""

from __future__ import annotations

from enum import Enum


class DeliveryStatus(Enum):
    PENDING = "PENDING"  # due at next_attempt_at (or being attempted now)
    SUCCEEDED = "SUCCEEDED"  # the endpoint answered 2xx
    FAILED = "FAILED"  # every attempt of the schedule failed
    CANCELLED = "CANCELLED"  # the endpoint was disabled or deleted first


FINAL = frozenset({DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED})
