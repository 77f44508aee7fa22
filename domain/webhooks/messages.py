"""What an endpoint receives: which events (its owner's, of the types it asked for) and the body.

Endpoints receive only events whose audience includes their owner, operators' too: an
operator watches everything through subscriptions, and a URL outside the platform should not
receive every participant's money movements.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

MESSAGE_PREFIX = "evt_"


def message_id(position: int) -> str:
    """`webhook-id`: the event's position (the cursor subscriptions resume from), prefixed."""
    return f"{MESSAGE_PREFIX}{position}"


def wants(
    *,
    owner_id: UUID,
    event_types: Sequence[str],
    created_at: datetime,
    audience: Sequence[UUID],
    event_type: str,
    occurred_at: datetime,
) -> bool:
    """Whether an endpoint receives an event: about its owner, of a type it chose (none chosen:
    all), and not older than the endpoint itself."""
    return (
        owner_id in audience
        and (not event_types or event_type in event_types)
        and occurred_at >= created_at
    )


def message_body(
    *,
    position: int,
    event_type: str,
    version: int,
    occurred_at: datetime,
    correlation_id: str | None,
    payload: dict[str, Any],
) -> str:
    """The JSON body, shaped as Standard Webhooks suggests (`type`, `timestamp`, `data`)."""
    return json.dumps(
        {
            "id": message_id(position),
            "type": event_type,
            "version": version,
            "timestamp": occurred_at.isoformat(),
            "correlationId": correlation_id,
            "data": payload,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )
