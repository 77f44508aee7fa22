"""Recording and reading the audit log."""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.audit.tables import AuditEntry

# Any number of `entry_row`s as one JSON array (`:entries`), in order: one prepared statement
# whatever the count. SQL text, so that a writer of other rows can send it as a
# data-modifying CTE of its own statement (a pledge batch does: one round trip fewer).
INSERT_ENTRIES_SQL = """
    INSERT INTO audit_entry (occurred_at, actor_kind, actor_id, api_key_id, action, outcome,
                             target_type, target_id, ip, user_agent, request_id, details)
    SELECT occurred_at, actor_kind, actor_id, api_key_id, action, outcome, target_type,
           target_id, ip, user_agent, request_id, details
    FROM ROWS FROM (jsonb_to_recordset(CAST(:entries AS jsonb)) AS (
        occurred_at timestamptz, actor_kind text, actor_id uuid, api_key_id uuid, action text,
        outcome text, target_type text, target_id text, ip text, user_agent text,
        request_id text, details jsonb
    )) WITH ORDINALITY AS e(occurred_at, actor_kind, actor_id, api_key_id, action, outcome,
                            target_type, target_id, ip, user_agent, request_id, details,
                            ordinal)
    ORDER BY ordinal
"""
_INSERT_ENTRIES = text(INSERT_ENTRIES_SQL)


class Outcome(Enum):
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"  # the attempt was made and failed (wrong password, ...)
    DENIED = "DENIED"  # the caller was not allowed to attempt it


def entry_row(
    *,
    actor: Actor,
    action: str,
    outcome: Outcome,
    at: datetime,
    target_type: str | None = None,
    target_id: object | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An audit_entry row's columns (but its id)."""
    return {
        "occurred_at": at,
        "actor_kind": actor.kind.value,
        "actor_id": actor.participant_id,
        "api_key_id": actor.api_key_id,
        "action": action,
        "outcome": outcome.value,
        "target_type": target_type,
        "target_id": None if target_id is None else str(target_id),
        "ip": actor.origin.ip,
        "user_agent": (actor.origin.user_agent or "")[:256] or None,
        "request_id": actor.origin.request_id,
        "details": details or {},
    }


def record(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    outcome: Outcome,
    at: datetime,
    target_type: str | None = None,
    target_id: object | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry to the caller's transaction: it is kept iff the change is."""
    entry = AuditEntry(
        **entry_row(
            actor=actor,
            action=action,
            outcome=outcome,
            at=at,
            target_type=target_type,
            target_id=target_id,
            details=details,
        )
    )
    session.add(entry)
    return entry


def entries_document(rows: list[dict[str, Any]]) -> str:
    """The `:entries` parameter of INSERT_ENTRIES_SQL."""
    return json.dumps(rows, default=str)  # UUIDs and datetimes as ISO text


async def record_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert `entry_row`s in one statement, without the ORM's unit of work (hot paths)."""
    if rows:
        await (await session.connection()).execute(
            _INSERT_ENTRIES, {"entries": entries_document(rows)}
        )


async def list_entries(
    session: AsyncSession,
    *,
    actor: Actor,
    limit: int,
    before_id: int | None = None,
    action: str | None = None,
    actor_id: object | None = None,
) -> list[AuditEntry]:
    """Newest first, `limit` entries older than `before_id`; operators only."""
    actor.require_operator()
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if before_id is not None:
        query = query.where(col(AuditEntry.id) < before_id)
    if action is not None:
        query = query.where(col(AuditEntry.action) == action)
    if actor_id is not None:
        query = query.where(col(AuditEntry.actor_id) == actor_id)
    return list((await session.exec(query)).all())
