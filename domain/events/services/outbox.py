"""`record_event`: the one call a use case makes to tell the world what it did.

The row joins the caller's transaction, so an event exists if and only if its change
committed; the relay publishes it afterwards (a trigger NOTIFYs it at commit).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.catalog import EventType
from domain.events.rows import event_row
from domain.events.tables import OutboxEvent

OUTBOX = OutboxEvent.__table__  # type: ignore[attr-defined]


async def record_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Add `event_row`s to the caller's transaction, in order."""
    if rows:
        await (await session.connection()).execute(insert(OUTBOX), rows)


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
    """Add one event to the caller's transaction."""
    await record_events(
        session,
        [
            event_row(
                event_type, aggregate_type=aggregate_type, aggregate_id=aggregate_id,
                audience=audience, payload=payload, occurred_at=occurred_at,
            )
        ],
    )  # fmt: skip
