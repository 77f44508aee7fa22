"""How events sit in Redis Streams: one stream per topic, entry ids are event positions.

The relay gives each event a position (one sequence across all topics, in publish order) and
writes it as the entry id `{position}-0`, so a client's cursor (the position) resumes every
topic stream at once, and a republished event is refused by Redis instead of duplicated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

STREAM_PREFIX = "agora:events:"


@dataclass(frozen=True, slots=True)
class PublishedEvent:
    id: int  # the outbox row's id
    position: int  # the cursor: orders events across topics
    type: str
    topic: str
    version: int
    aggregate_type: str
    aggregate_id: str
    audience: tuple[UUID, ...]
    payload: dict[str, Any]
    correlation_id: str | None
    occurred_at: datetime
    # What this process's subscriptions derive from the event (its GraphQL object), made once
    # for all of them: the hub hands each local subscriber this same object.
    derived: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def concerns(self, participant_id: UUID | None) -> bool:
        return participant_id is not None and participant_id in self.audience


def stream_key(topic: str) -> str:
    return f"{STREAM_PREFIX}{topic}"


def entry_id(position: int) -> str:
    return f"{position}-0"


def position_of(stream_entry_id: bytes | str) -> int:
    text = stream_entry_id.decode() if isinstance(stream_entry_id, bytes) else stream_entry_id
    return int(text.split("-", 1)[0])


def encode_event(row: Any) -> dict[str, str]:
    """The stream entry of an outbox row that has its position."""
    return {
        "event": json.dumps(
            {
                "id": row.id,
                "position": row.position,
                "type": row.type,
                "topic": row.topic,
                "version": row.version,
                "aggregateType": row.aggregate_type,
                "aggregateId": row.aggregate_id,
                "audience": [str(p) for p in row.audience],
                "payload": row.payload,
                "correlationId": row.correlation_id,
                "occurredAt": row.occurred_at.isoformat(),
            },
            separators=(",", ":"),
        )
    }


def decode_event(fields: dict[Any, Any]) -> PublishedEvent:
    """The event of a stream entry (field names as bytes or str, as the client decodes)."""
    data = json.loads(fields[b"event"] if b"event" in fields else fields["event"])
    return PublishedEvent(
        id=data["id"],
        position=data["position"],
        type=data["type"],
        topic=data["topic"],
        version=data["version"],
        aggregate_type=data["aggregateType"],
        aggregate_id=data["aggregateId"],
        audience=tuple(UUID(p) for p in data["audience"]),
        payload=data["payload"],
        correlation_id=data["correlationId"],
        occurred_at=datetime.fromisoformat(data["occurredAt"]),
    )
