"""`run_once`: the one line a money use case adds to become idempotent.

The key is claimed by an INSERT in the use case's own transaction. A concurrent duplicate's
INSERT waits on the unique index until the first transaction ends: if it committed, the
duplicate reads the stored answer; if it rolled back, the duplicate runs instead. So exactly
one execution happens, and a refusal (insufficient funds, ...) is an answer like any other:
the same key gives the same refusal until it expires.

The use case runs inside a savepoint, so a refusal undoes its changes and keeps the claim.
run_once is the use case's whole transaction: call it before anything else is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, ActorKind
from domain.clock import Clock
from domain.errors import DomainError
from domain.idempotency.fingerprint import check_key, request_fingerprint
from domain.idempotency.tables import IdempotencyRecord

RETENTION = timedelta(hours=24)
RECORDS = IdempotencyRecord.__table__  # type: ignore[attr-defined]

# Built once: constructing a statement costs SQLAlchemy more than executing a cached one,
# and every money mutation runs these two.
_CLAIM = (
    insert(RECORDS)
    .on_conflict_do_nothing(constraint="idempotency_scope_key")
    .returning(RECORDS.c.id)
)
_STORE = (
    update(RECORDS)
    .where(RECORDS.c.id == bindparam("record_id"))
    .values(outcome=bindparam("answer_outcome"), response=bindparam("answer"))
)


class IdempotencyKeyReused(DomainError):
    code = "IDEMPOTENCY_KEY_REUSED"


class StoredRefusal(DomainError):
    """A refusal replayed from the record of the key's first attempt."""

    def __init__(self, code: str, message: str, field: str | None) -> None:
        super().__init__(message, field=field, code=code)


def caller_scope(actor: Actor) -> str:
    if actor.kind is ActorKind.SYSTEM:
        return "system"
    if actor.api_key_id is not None:
        return f"api-key:{actor.api_key_id}"
    return f"participant:{actor.require_participant()}"


async def run_once(
    session: AsyncSession,
    *,
    actor: Actor,
    clock: Clock,
    key: str,
    operation: str,
    request: dict[str, Any],
    execute: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """`execute()`'s answer, computed at most once per caller and key."""
    scope, now = caller_scope(actor), clock.now()
    fingerprint = request_fingerprint(operation, request)
    conn = await session.connection()
    claimed = await conn.execute(
        _CLAIM,
        {
            "scope": scope,
            "key": check_key(key),
            "operation": operation,
            "fingerprint": fingerprint,
            "outcome": "PENDING",
            "response": {},
            "created_at": now,
            "expires_at": now + RETENTION,
        },
    )
    record_id = claimed.scalar()
    if record_id is None:
        previous = (
            await conn.execute(
                select(RECORDS)
                .where(RECORDS.c.scope == scope, RECORDS.c.key == key)
                .with_for_update()
            )
        ).one()
        if previous.expires_at > now:
            return _replay(previous, operation, fingerprint)
        record_id = previous.id  # expired: the key is free again
        await conn.execute(
            update(RECORDS)
            .where(RECORDS.c.id == record_id)
            .values(
                operation=operation,
                fingerprint=fingerprint,
                created_at=now,
                expires_at=now + RETENTION,
            )
        )
    # A plain SAVEPOINT, never released (the commit ends it): one round trip fewer than the
    # ORM's begin_nested, and the refused attempt's ORM state is dropped with expunge_all.
    await session.flush()
    await conn.exec_driver_sql("SAVEPOINT run_once")
    try:
        response = await execute()
    except DomainError as refusal:
        session.expunge_all()
        await conn.exec_driver_sql("ROLLBACK TO SAVEPOINT run_once")
        answer = {"code": refusal.code, "message": refusal.message, "field": refusal.field}
        await _store(session, record_id, "REFUSED", answer)
        refusal.keeps_changes = True  # the record of the refusal, not what was undone
        raise
    await _store(session, record_id, "SUCCEEDED", response)
    return response


def _replay(previous: Any, operation: str, fingerprint: str) -> dict[str, Any]:
    if previous.operation != operation or previous.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "this idempotency key was used for a different request", field="idempotency_key"
        )
    if previous.outcome == "REFUSED":
        stored = previous.response
        raise StoredRefusal(stored["code"], stored["message"], stored["field"])
    return dict(previous.response)


async def _store(
    session: AsyncSession, record_id: int, outcome: str, answer: dict[str, Any]
) -> None:
    await (await session.connection()).execute(
        _STORE, {"record_id": record_id, "answer_outcome": outcome, "answer": answer}
    )
