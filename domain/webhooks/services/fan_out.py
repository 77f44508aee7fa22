"""Fan-out: published events become deliveries to every endpoint that wants them.

One cursor (the last outbox position fanned out) is shared by all workers; its row lock,
taken with SKIP LOCKED, lets one worker at a time advance it while the others move on. The
relay commits positions in increasing order, so `position > cursor` never skips an event:
no event can later appear below a position already read. Deliveries and the cursor move in
one transaction, so a crash repeats nothing and loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.events.repository import numbered_after
from domain.unit_of_work import transaction
from domain.webhooks.deliveries import DeliveryStatus
from domain.webhooks.messages import message_body, message_id, wants
from domain.webhooks.tables import WebhookDelivery, WebhookEndpoint, WebhookFanOutCursor

CURSOR = "webhooks"
ENDPOINTS = WebhookEndpoint.__table__  # type: ignore[attr-defined]
DELIVERIES = WebhookDelivery.__table__  # type: ignore[attr-defined]
CURSORS = WebhookFanOutCursor.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class FanOut:
    events: int  # events read past the cursor
    deliveries: int  # deliveries created for them


async def _claim_cursor(conn: AsyncConnection, now: Any) -> int | None:
    """The cursor's position, locked for this transaction; None while another worker has it."""
    await conn.execute(
        insert(CURSORS).values(name=CURSOR, position=0, updated_at=now).on_conflict_do_nothing()
    )
    claim = select(CURSORS.c.position).where(CURSORS.c.name == CURSOR)
    position: int | None = (
        await conn.execute(claim.with_for_update(skip_locked=True))
    ).scalar_one_or_none()
    return position


async def _endpoints_of(conn: AsyncConnection, events: Sequence[Any]) -> list[Any]:
    owners = sorted({owner for event in events for owner in event.audience})
    if not owners:
        return []
    query = select(
        ENDPOINTS.c.id, ENDPOINTS.c.owner_id, ENDPOINTS.c.event_types, ENDPOINTS.c.created_at
    ).where(
        ENDPOINTS.c.owner_id.in_(owners),
        ENDPOINTS.c.enabled.is_(True),
        ENDPOINTS.c.deleted_at.is_(None),
    )
    return list((await conn.execute(query)).all())


def _deliveries(events: Sequence[Any], endpoints: Sequence[Any], now: Any) -> list[dict[str, Any]]:
    rows = []
    for event in events:
        body: str | None = None
        for endpoint in endpoints:
            if not wants(
                owner_id=endpoint.owner_id,
                event_types=endpoint.event_types,
                created_at=endpoint.created_at,
                audience=event.audience,
                event_type=event.type,
                occurred_at=event.occurred_at,
            ):
                continue
            body = body or message_body(
                position=event.position,
                event_type=event.type,
                version=event.version,
                occurred_at=event.occurred_at,
                correlation_id=event.correlation_id,
                payload=event.payload,
            )
            rows.append(
                {
                    "id": uuid4(),
                    "endpoint_id": endpoint.id,
                    "owner_id": endpoint.owner_id,
                    "event_id": event.id,
                    "event_position": event.position,
                    "event_type": event.type,
                    "message_id": message_id(event.position),
                    "body": body,
                    "status": DeliveryStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
    return rows


async def fan_out_batch(session: AsyncSession, clock: Clock, *, limit: int = 500) -> FanOut:
    """Turn up to `limit` events past the cursor into deliveries, in the caller's transaction."""
    conn = await session.connection()
    now = clock.now()
    cursor = await _claim_cursor(conn, now)
    if cursor is None:
        return FanOut(0, 0)
    events = await numbered_after(conn, after=cursor, limit=limit)
    if not events:
        return FanOut(0, 0)
    rows = _deliveries(events, await _endpoints_of(conn, events), now)
    if rows:
        await conn.execute(
            insert(DELIVERIES).on_conflict_do_nothing(
                index_elements=["endpoint_id", "event_id"],
                index_where=text("redelivery_of IS NULL"),
            ),
            rows,
        )
    await conn.execute(
        update(CURSORS)
        .where(CURSORS.c.name == CURSOR)
        .values(position=events[-1].position, updated_at=now)
    )
    return FanOut(len(events), len(rows))


async def fan_out_events(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, limit: int = 500
) -> int:
    """The worker job: fan out every published event not yet fanned out; deliveries created."""
    created = 0
    while True:
        async with transaction(sessions) as session:
            batch = await fan_out_batch(session, clock, limit=limit)
        created += batch.deliveries
        if batch.events < limit:
            return created
