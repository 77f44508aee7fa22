"""The relay's SQL on the outbox: numbering events, marking them published, the backlog.

Raw asyncpg, and only here: the relay holds a connection of its own outside the pool (it
LISTENs for the commit's NOTIFY and keeps the leader's session advisory lock on it), so its
queries run on that connection; readiness reads the backlog with the same `read_backlog`.
Recording events is domain/events/services/outbox.py's; reading published ones (a replay's
cursor check, webhook fan-out) domain/events/repository.py's, in Core.

Positions are handed out in a short transaction of their own, before publishing: if the relay
dies after XADD but before marking the rows, the next leader re-sends the same positions and
Redis refuses the duplicates (entry ids must grow), so each event is in its stream once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

_COLUMNS = (
    "id, position, type, topic, version, aggregate_type, aggregate_id, audience, payload,"
    " correlation_id, occurred_at"
)
_RETURNED = ", ".join(f"o.{column.strip()}" for column in _COLUMNS.split(","))


@dataclass(frozen=True, slots=True)
class Backlog:
    unpublished: int
    oldest: datetime | None  # when the oldest unpublished event occurred

    def lag_seconds(self) -> float:
        """How long the oldest unpublished event has waited (0 with none waiting)."""
        if self.oldest is None:
            return 0.0
        return max(0.0, (datetime.now(UTC) - self.oldest).total_seconds())


async def positioned_but_unpublished(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Rows a previous leader numbered but may not have published (it stopped in between)."""
    return list(
        await conn.fetch(
            f"SELECT {_COLUMNS} FROM outbox_event"  # noqa: S608  # constant columns
            " WHERE published_at IS NULL AND position IS NOT NULL ORDER BY position LIMIT $1",
            limit,
        )
    )


async def number_next_batch(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Give the oldest unnumbered events the next positions, in record order, and commit."""
    async with conn.transaction():
        ids = [
            row["id"]
            for row in await conn.fetch(
                "SELECT id FROM outbox_event WHERE published_at IS NULL AND position IS NULL"
                " ORDER BY id LIMIT $1 FOR UPDATE",
                limit,
            )
        ]
        if not ids:
            return []
        # nextval's order within one statement is not guaranteed: sort the values ourselves.
        positions = sorted(
            row[0]
            for row in await conn.fetch(
                "SELECT nextval('outbox_position') FROM generate_series(1, $1)", len(ids)
            )
        )
        numbered = await conn.fetch(
            "UPDATE outbox_event o SET position = n.position"  # noqa: S608  # constant columns
            " FROM unnest($1::bigint[], $2::bigint[]) AS n(id, position)"
            f" WHERE o.id = n.id RETURNING {_RETURNED}",
            ids,
            positions,
        )
        return sorted(numbered, key=lambda row: row["position"])


async def mark_published(conn: asyncpg.Connection, ids: list[int]) -> None:
    await conn.execute(
        "UPDATE outbox_event SET published_at = now() WHERE id = ANY($1::bigint[])", ids
    )


async def read_backlog(conn: asyncpg.Connection) -> Backlog:
    row = await conn.fetchrow(
        "SELECT count(*) AS unpublished, min(occurred_at) AS oldest"
        " FROM outbox_event WHERE published_at IS NULL"
    )
    assert row is not None
    return Backlog(unpublished=row["unpublished"], oldest=row["oldest"])
