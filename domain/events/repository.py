"""Reading the outbox's published events, with SQLAlchemy Core in the caller's transaction:
the record a stream cursor is checked by (the `events` subscription's replay) and the events
past a position (webhook fan-out). Writing is `domain/events/services/outbox.py`'s; the
relay's numbering and publishing, on its own connection, `api/events/outbox_queries.py`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.tables import OutboxEvent

OUTBOX = OutboxEvent.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class PublishedSince:
    first_by_topic: dict[str, int]  # topic -> first published position after the cursor
    last_position: int | None  # the highest position ever given (published or in flight)


async def published_since(
    session: AsyncSession, *, after: int, topics: Iterable[str]
) -> PublishedSince:
    """Per topic, the first event published after position `after` (topics without one are
    left out), and the last position given; one round trip."""
    names = sorted(set(topics))
    firsts = [
        select(func.min(OUTBOX.c.position))
        .where(
            OUTBOX.c.topic == topic,
            OUTBOX.c.position > after,
            OUTBOX.c.published_at.is_not(None),
        )
        .scalar_subquery()
        for topic in names
    ]
    last = select(func.max(OUTBOX.c.position)).scalar_subquery()
    row = (await (await session.connection()).execute(select(last, *firsts))).one()
    return PublishedSince(
        first_by_topic={
            topic: position
            for topic, position in zip(names, row[1:], strict=True)
            if position is not None
        },
        last_position=row[0],
    )


async def numbered_between(
    session: AsyncSession, *, spans: dict[str, tuple[int, int]]
) -> dict[str, int]:
    """Per topic, how many events hold a position in (low, high]: each was published, or is
    being published in position order, so a stream that holds `high` must hold them all
    (what it lacks below was lost: Redis failed over to a replica that had not received it)."""
    if not spans:
        return {}
    names = sorted(spans)
    counts = [
        select(func.count())
        .where(
            OUTBOX.c.topic == topic,
            OUTBOX.c.position > spans[topic][0],
            OUTBOX.c.position <= spans[topic][1],
        )
        .scalar_subquery()
        for topic in names
    ]
    row = (await (await session.connection()).execute(select(*counts))).one()
    return dict(zip(names, row, strict=True))


_AFTER = (
    select(
        OUTBOX.c.id,
        OUTBOX.c.position,
        OUTBOX.c.type,
        OUTBOX.c.version,
        OUTBOX.c.audience,
        OUTBOX.c.payload,
        OUTBOX.c.correlation_id,
        OUTBOX.c.occurred_at,
    )
    .where(OUTBOX.c.position > bindparam("after"))
    .order_by(OUTBOX.c.position)
    .limit(bindparam("limit"))
)


async def numbered_after(conn: AsyncConnection, *, after: int, limit: int) -> Sequence[Any]:
    """Up to `limit` events numbered after position `after`, in position order."""
    return (await conn.execute(_AFTER, {"after": after, "limit": limit})).all()
