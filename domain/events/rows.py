"""The outbox row of an event (pure): type, topic, payload version, audience, correlation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.events.catalog import PAYLOAD_VERSIONS, EventType
from domain.events.correlation import current_correlation_id
from domain.events.payloads import EventPayload


def event_row(
    event_type: EventType,
    *,
    aggregate_type: str,
    aggregate_id: object,
    audience: Iterable[UUID],
    payload: dict[str, Any],
    occurred_at: datetime,
) -> dict[str, Any]:
    """The outbox row of one event (several may be inserted in one statement)."""
    return {
        "type": event_type.value,
        "topic": event_type.topic,
        "version": PAYLOAD_VERSIONS[event_type],
        "aggregate_type": aggregate_type,
        "aggregate_id": str(aggregate_id),
        "audience": sorted(set(audience)),
        "payload": payload,
        "correlation_id": current_correlation_id.get(),
        "occurred_at": occurred_at,
    }


def payload_row(
    event: EventPayload, *, aggregate_id: object, audience: Iterable[UUID], occurred_at: datetime
) -> dict[str, Any]:
    """The outbox row of one typed event: its type, aggregate type and payload its own."""
    return event_row(
        event.EVENT_TYPE,
        aggregate_type=event.AGGREGATE_TYPE,
        aggregate_id=aggregate_id,
        audience=audience,
        payload=event.to_payload(),
        occurred_at=occurred_at,
    )
