"""Payments' events: a payment intent or a payout changed state.

Version 2 of both (snake_case keys; version 1 was camelCase, upgraded on parse).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.catalog import EventType
from domain.events.payloads import EventPayload, Upgrade, camel_to_snake, event_payload


@event_payload
@dataclass(frozen=True)
class PaymentUpdated(EventPayload):
    """The intent as it is after the change."""

    EVENT_TYPE: ClassVar[EventType] = EventType.PAYMENT_UPDATED
    AGGREGATE_TYPE: ClassVar[str] = "PaymentIntent"
    UPGRADES: ClassVar[dict[int, Upgrade]] = {1: camel_to_snake}

    payment_id: str
    state: str
    mode: str
    order_reference: str
    currency: str
    amount: int
    captured: int
    refunded: int
    fee: int
    shipped_at: str | None  # ISO timestamp
    auto_release_at: str | None  # ISO timestamp


@event_payload
@dataclass(frozen=True)
class PayoutUpdated(EventPayload):
    """The payout as it is after the change."""

    EVENT_TYPE: ClassVar[EventType] = EventType.PAYOUT_UPDATED
    AGGREGATE_TYPE: ClassVar[str] = "Payout"
    UPGRADES: ClassVar[dict[int, Upgrade]] = {1: camel_to_snake}

    payout_id: str
    batch_id: str  # the settlement batch it pays
    state: str
    amount: int
    currency: str
    failure_reason: str | None
