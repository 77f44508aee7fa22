"""`run_once`: the one line a money use case adds to become idempotent.

A use case's answer is a StoredAnswer (domain/idempotency/answers.py), a small frozen dataclass
named for what happened: its key keeps it as JSON, and a replay answers the same typed object.

The key is claimed by an INSERT in the use case's own transaction. A concurrent duplicate's
INSERT waits on the unique index until the first transaction ends: if it committed, the
duplicate reads the stored answer; if it rolled back, the duplicate runs instead. So exactly
one execution happens, and a refusal (insufficient funds, ...) is an answer like any other:
the same key gives the same refusal until it expires.

The use case runs inside a savepoint, so a refusal undoes its changes and keeps the claim.
run_once is the use case's whole transaction: call it before anything else is written.
Batched use cases (several requests in one transaction) use `answer_each`: every key claimed
at once (`claim_keys`), the requests decided one by one, every answer kept (`store_answers`).
The worker's housekeeping is in services/pruning.py.

Either way, how the key was answered (run now, or replayed from its first attempt, and when
that was) is a `KeyUse`, known from the claim itself: saying so costs no round trip. run_once
leaves it in the session's `info` (`key_use(session)`), where the edge reads it for the answer.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, ActorKind
from domain.clock import Clock
from domain.errors import DomainError
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.fingerprint import check_key, request_fingerprint
from domain.idempotency.tables import IdempotencyRecord

RETENTION = timedelta(hours=24)
RECORDS = IdempotencyRecord.__table__  # type: ignore[attr-defined]

# One statement whatever the number of keys (the rows travel as one JSON document), taking
# them in (scope, key) order: two transactions claiming overlapping keys wait, never deadlock.
_CLAIM = text(
    """
    INSERT INTO idempotency_record AS r (scope, key, operation, fingerprint, outcome, response,
                                         created_at, expires_at)
    SELECT c.scope, c.key, c.operation, c.fingerprint, 'PENDING', '{}'::jsonb, c.created_at,
           c.expires_at
    FROM jsonb_to_recordset(CAST(:claims AS jsonb)) AS c(
        scope text, key text, operation text, fingerprint text, created_at timestamptz,
        expires_at timestamptz)
    ORDER BY c.scope, c.key
    ON CONFLICT ON CONSTRAINT idempotency_scope_key DO NOTHING
    RETURNING r.id, r.scope, r.key
    """
)
_STORE = text(
    """
    UPDATE idempotency_record AS r SET outcome = a.outcome, response = a.response
    FROM jsonb_to_recordset(CAST(:answers AS jsonb)) AS a(id bigint, outcome text, response jsonb)
    WHERE r.id = a.id
    """
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


@dataclass(frozen=True, slots=True)
class Claim:
    """A caller's key for one request: what makes a later request with the key "the same"."""

    scope: str
    key: str
    operation: str
    fingerprint: str


def claim_of(actor: Actor, key: str, operation: str, request: dict[str, Any]) -> Claim:
    return Claim(
        caller_scope(actor), check_key(key), operation, request_fingerprint(operation, request)
    )


@dataclass(frozen=True, slots=True)
class KeyUse:
    """How a request's idempotency key was answered: run now (`replayed` False), or the stored
    answer of the key's first attempt, made at `first_seen_at`, replayed unchanged."""

    key: str
    replayed: bool
    first_seen_at: datetime


@dataclass(frozen=True, slots=True)
class Replay:
    """The stored outcome of a key's first attempt: its answer, or the refusal to raise;
    `key_use` is None when the key was used for another request (a refusal of its own)."""

    answer: dict[str, Any] | None = None
    refusal: DomainError | None = None
    key_use: KeyUse | None = None

    def result(self) -> dict[str, Any]:
        if self.refusal is not None:
            raise self.refusal
        assert self.answer is not None
        return self.answer


def refusal_answer(refusal: DomainError) -> dict[str, Any]:
    """How a refusal is stored, to be replayed as a StoredRefusal."""
    return {"code": refusal.code, "message": refusal.message, "field": refusal.field}


async def claim_keys(
    conn: AsyncConnection, claims: Sequence[Claim], now: datetime
) -> list[int | Replay]:
    """For each claim (distinct keys), in order: the id of its record, now ours to answer
    (a new key, or an expired one taken again), or the Replay of the key's first attempt."""
    claimed: dict[tuple[str, str], int | Replay] = {}
    unclaimed = list(claims)
    while unclaimed:  # a record pruned between our INSERT and SELECT is claimed again
        claimed |= await _claim_round(conn, unclaimed, now)
        unclaimed = [c for c in unclaimed if (c.scope, c.key) not in claimed]
    return [claimed[c.scope, c.key] for c in claims]


async def _claim_round(
    conn: AsyncConnection, claims: Sequence[Claim], now: datetime
) -> dict[tuple[str, str], int | Replay]:
    expires = now + RETENTION
    document = [
        {
            "scope": c.scope,
            "key": c.key,
            "operation": c.operation,
            "fingerprint": c.fingerprint,
            "created_at": now.isoformat(),
            "expires_at": expires.isoformat(),
        }
        for c in claims
    ]
    rows = await conn.execute(_CLAIM, {"claims": json.dumps(document)})
    claimed: dict[tuple[str, str], int | Replay] = {(r.scope, r.key): r.id for r in rows}
    taken = [c for c in claims if (c.scope, c.key) not in claimed]
    if taken:
        by_key = {(c.scope, c.key): c for c in taken}
        previous_rows = await conn.execute(
            select(RECORDS)
            .where(tuple_(RECORDS.c.scope, RECORDS.c.key).in_(list(by_key)))
            .order_by(RECORDS.c.scope, RECORDS.c.key)
            .with_for_update()
        )
        for previous in previous_rows:
            claim = by_key[previous.scope, previous.key]
            if previous.expires_at > now:
                claimed[claim.scope, claim.key] = _replay(previous, claim)
                continue
            await conn.execute(  # expired: the key is free again
                update(RECORDS)
                .where(RECORDS.c.id == previous.id)
                .values(
                    operation=claim.operation,
                    fingerprint=claim.fingerprint,
                    created_at=now,
                    expires_at=expires,
                )
            )
            claimed[claim.scope, claim.key] = previous.id
    return claimed


def _replay(previous: Any, claim: Claim) -> Replay:
    if previous.operation != claim.operation or previous.fingerprint != claim.fingerprint:
        return Replay(
            refusal=IdempotencyKeyReused(
                "this idempotency key was used for a different request", field="idempotency_key"
            )
        )
    use = KeyUse(claim.key, replayed=True, first_seen_at=previous.created_at)
    if previous.outcome == "REFUSED":
        stored = previous.response
        refusal = StoredRefusal(stored["code"], stored["message"], stored["field"])
        return Replay(refusal=refusal, key_use=use)
    return Replay(answer=dict(previous.response), key_use=use)


_KEY_USE = "idempotency.key_use"


def remember_key_use(session: AsyncSession, use: KeyUse | None) -> None:
    """For a use case that claims its key with claim_keys: say how it was answered, as
    run_once does (the edge reads it with `key_use`)."""
    session.info[_KEY_USE] = use


def key_use(session: AsyncSession) -> KeyUse | None:
    """How run_once answered the key of the use case that ran in `session`, if one did."""
    use: KeyUse | None = session.info.get(_KEY_USE)
    return use


@dataclass(frozen=True, slots=True)
class Answer:
    """What a claimed key's attempt answered: SUCCEEDED with its response, or REFUSED."""

    record_id: int
    outcome: str
    response: dict[str, Any]


async def store_answers(conn: AsyncConnection, answers: Sequence[Answer]) -> None:
    """Keep the answers of claimed keys, in one statement."""
    document = [{"id": a.record_id, "outcome": a.outcome, "response": a.response} for a in answers]
    await conn.execute(_STORE, {"answers": json.dumps(document)})


A = TypeVar("A", bound=StoredAnswer)
C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class Prepared(Generic[C]):
    """What a batch's `prepare` made (None when every request was a replay)."""

    value: C | None


@dataclass(frozen=True, slots=True)
class KeyedResult(Generic[A]):
    """One batched request's answer (first or replayed) or its refusal, and how its key was
    answered."""

    answer: A | None = None
    refusal: DomainError | None = None
    key_use: KeyUse | None = None


async def answer_each(
    conn: AsyncConnection,
    claims: Sequence[Claim],
    now: datetime,
    *,
    answer: type[A],
    prepare: Callable[[list[int]], Awaitable[C]],
    decide: Callable[[C, int], Awaitable[A]],
) -> tuple[list[KeyedResult[A]], Prepared[C]]:
    """A batch's requests (distinct keys), each answered at most once, in order: every key
    claimed at once; the first attempts prepared together (`prepare(indexes)`: locks, reads;
    not called when all are replays), then decided one after another (`decide(prepared, i)`:
    the answer, or a DomainError: a refusal kept for its key, which must have written
    nothing); every answer stored in one statement. The caller writes what was decided."""
    claimed = await claim_keys(conn, claims, now)
    results: list[KeyedResult[A]] = [
        KeyedResult(
            answer=None if c.answer is None else answer.from_stored(c.answer),
            refusal=c.refusal,
            key_use=c.key_use,
        )
        if isinstance(c, Replay)
        else KeyedResult()
        for c in claimed
    ]
    fresh = [(i, record_id) for i, record_id in enumerate(claimed) if isinstance(record_id, int)]
    if not fresh:
        return results, Prepared(None)
    prepared = await prepare([i for i, _ in fresh])
    answers: list[Answer] = []
    for i, record_id in fresh:
        use = KeyUse(claims[i].key, replayed=False, first_seen_at=now)
        try:
            done = await decide(prepared, i)
        except DomainError as refusal:
            answers.append(Answer(record_id, "REFUSED", refusal_answer(refusal)))
            refusal.keeps_changes = True  # its refusal is kept for its key
            results[i] = KeyedResult(refusal=refusal, key_use=use)
            continue
        answers.append(Answer(record_id, "SUCCEEDED", done.to_stored()))
        results[i] = KeyedResult(answer=done, key_use=use)
    await store_answers(conn, answers)
    return results, Prepared(prepared)


async def run_once(
    session: AsyncSession,
    *,
    actor: Actor,
    clock: Clock,
    key: str,
    operation: str,
    request: dict[str, Any],
    execute: Callable[[], Awaitable[A]],
    answer: type[A],
) -> A:
    """`execute()`'s answer, computed at most once per caller and key: the first attempt's
    is kept (StoredAnswer.to_stored) and replayed as the same `answer` object."""
    claim = claim_of(actor, key, operation, request)
    conn = await session.connection()
    now = clock.now()
    [record_id] = await claim_keys(conn, [claim], now)
    if isinstance(record_id, Replay):
        session.info[_KEY_USE] = record_id.key_use
        return answer.from_stored(record_id.result())
    session.info[_KEY_USE] = KeyUse(claim.key, replayed=False, first_seen_at=now)
    # A plain SAVEPOINT, never released (the commit ends it): one round trip fewer than the
    # ORM's begin_nested, and the refused attempt's ORM state is dropped with expunge_all.
    await session.flush()
    await conn.exec_driver_sql("SAVEPOINT run_once")
    try:
        response = await execute()
    except DomainError as refusal:
        session.expunge_all()
        await conn.exec_driver_sql("ROLLBACK TO SAVEPOINT run_once")
        await store_answers(conn, [Answer(record_id, "REFUSED", refusal_answer(refusal))])
        refusal.keeps_changes = True  # the record of the refusal, not what was undone
        raise
    await store_answers(conn, [Answer(record_id, "SUCCEEDED", response.to_stored())])
    return response
