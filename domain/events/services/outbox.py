"""`emit`: the one call a use case makes to tell the world what it did (a typed event,
`domain/<context>/events.py`); `record_events` for several rows built with `payload_row`.

The row joins the caller's transaction, so an event exists if and only if its change
committed; the relay publishes it afterwards (a trigger NOTIFYs it at commit). Reading the
outbox: domain/events/repository.py (published events) and api/events/outbox_queries.py (the
relay's numbering and publishing).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.catalog import EventType
from domain.events.payloads import EventPayload
from domain.events.rows import event_row, payload_row

# The one way outbox rows are written. Any number of `event_row`s as one JSON array
# (`:events`): one prepared statement whatever the count, in the rows' order. It is SQL text,
# not Core, so that a writer of other rows can send it as a data-modifying CTE of its own
# statement (the ledger does, with each posting: one round trip fewer).
INSERT_EVENTS_SQL = """
    INSERT INTO outbox_event (type, topic, version, aggregate_type, aggregate_id, audience,
                              payload, correlation_id, occurred_at)
    SELECT type, topic, version, aggregate_type, aggregate_id, audience, payload,
           correlation_id, occurred_at
    FROM ROWS FROM (jsonb_to_recordset(CAST(:events AS jsonb)) AS (
        type text, topic text, version smallint, aggregate_type text, aggregate_id text,
        audience uuid[], payload jsonb, correlation_id text, occurred_at timestamptz
    )) WITH ORDINALITY AS e(type, topic, version, aggregate_type, aggregate_id, audience,
                            payload, correlation_id, occurred_at, ordinal)
    ORDER BY ordinal
"""
_INSERT_EVENTS = text(INSERT_EVENTS_SQL)


def events_document(rows: list[dict[str, Any]]) -> str:
    """The `:events` parameter of INSERT_EVENTS_SQL."""
    return json.dumps(rows, default=str)  # UUIDs and datetimes as ISO text


async def record_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Add `event_row`s to the caller's transaction, in order."""
    if rows:
        await (await session.connection()).execute(
            _INSERT_EVENTS, {"events": events_document(rows)}
        )


async def record_event(
    session: AsyncSession,
    event_type: EventType,
    *,
    aggregate_type: str,
    aggregate_id: object,
    audience: Iterable[UUID],
    payload: dict[str, Any],
    occurred_at: datetime,
) -> None:
    """Add one event with a free-form payload (tests; use cases record typed events)."""
    await record_events(
        session,
        [
            event_row(
                event_type,
                aggregate_type=aggregate_type,
                aggregate_id=aggregate_id,
                audience=audience,
                payload=payload,
                occurred_at=occurred_at,
            )
        ],
    )


async def emit(
    session: AsyncSession,
    event: EventPayload,
    *,
    aggregate_id: object,
    audience: Iterable[UUID],
    occurred_at: datetime,
) -> None:
    """Add one typed event to the caller's transaction."""
    await record_events(
        session,
        [payload_row(event, aggregate_id=aggregate_id, audience=audience, occurred_at=occurred_at)],
    )
