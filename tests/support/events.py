"""Events as the relay publishes them: an outbox row with its position, then its stream entry.

Tests of the reading side write what the relay would write (the documented format), so they
test the hub and the feed against the real Redis and PostgreSQL on their own.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

import redis.asyncio as redis
from sqlalchemy import func, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.events.streams import PublishedEvent, encode_event, entry_id, stream_key
from domain.events.catalog import EventType
from domain.events.repository import OUTBOX
from domain.events.rows import event_row
from domain.lending.events import LoanMatchCreated

_positions = itertools.count(1_000_000)  # stream-only events: far from the sequence's


def wallet_payload(available: int = 10_000, held: int = 0, reason: str = "DEPOSIT") -> dict:
    return {
        "currency": "CNY",
        "available": available,
        "held": held,
        "total": available + held,
        "journal_id": "0b0e3a4e-0000-4000-8000-000000000001",
        "reason": reason,
    }


def match_payload(amount: int = 30_000) -> dict[str, Any]:
    """A lending.match_created payload about a Loan, as matching records one."""
    return LoanMatchCreated(
        loan_id=str(uuid4()),
        match_id=str(uuid4()),
        source_kind="BID",
        amount=amount,
        currency="CNY",
        annual_rate="0.08",
    ).to_payload()


def stream_row(
    event_type: EventType, *, position: int, audience: Iterable[UUID], payload: dict[str, Any]
) -> SimpleNamespace:
    row = event_row(
        event_type,
        aggregate_type="Test",
        aggregate_id="1",
        audience=audience,
        payload=payload,
        occurred_at=datetime.now(UTC),
    )
    return SimpleNamespace(id=position, position=position, **row)


async def xadd_event(
    client: redis.Redis,
    event_type: EventType,
    *,
    audience: Iterable[UUID],
    payload: dict[str, Any] | None = None,
    position: int | None = None,
) -> int:
    """A stream entry only (no outbox row): for tests of the hub's reading alone."""
    position = next(_positions) if position is None else position
    row = stream_row(event_type, position=position, audience=audience, payload=payload or {})
    await client.xadd(stream_key(row.topic), encode_event(row), id=entry_id(position))
    return position


async def publish(
    engine: AsyncEngine,
    client: redis.Redis,
    event_type: EventType,
    *,
    audience: Iterable[UUID],
    payload: dict[str, Any] | None = None,
) -> int:
    """What the relay does with one event: a position from the sequence, and the entry.

    The row is marked published as it is inserted (the relay marks it after its XADD), so a
    relay running meanwhile never takes it for one of its own to publish."""
    row = event_row(
        event_type,
        aggregate_type="Test",
        aggregate_id="1",
        audience=audience,
        payload=payload or {},
        occurred_at=datetime.now(UTC),
    )
    async with engine.begin() as conn:
        inserted = await conn.execute(
            insert(OUTBOX)
            .values(**row, position=text("nextval('outbox_position')"), published_at=func.now())
            .returning(OUTBOX)
        )
        stored = inserted.one()
    await client.xadd(stream_key(stored.topic), encode_event(stored), id=entry_id(stored.position))
    return int(stored.position)


async def take(events: AsyncIterator[Any], n: int, within: float = 10.0) -> list[Any]:
    """The next `n` items of `events`, or TimeoutError after `within` seconds."""
    taken: list[Any] = []
    async with asyncio.timeout(within):
        while len(taken) < n:
            taken.append(await anext(events))
    return taken


def positions(events: Iterable[PublishedEvent]) -> list[int]:
    return [event.position for event in events]
