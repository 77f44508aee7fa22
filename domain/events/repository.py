"""What the outbox knows about published positions: the record a stream cursor is checked by."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.services.outbox import OUTBOX


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
