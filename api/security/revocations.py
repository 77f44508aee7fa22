"""Access-token revocation: Redis keys checked on every request, PostgreSQL's record when
Redis cannot answer.

Access tokens are checked against a session key and a participant key (one MGET); the keys
expire with the longest-lived access token, after which the tokens have expired by themselves.
Every Redis call here is bounded (`AGORA_REDIS_REQUEST_TIMEOUT_SECONDS`, tens of
milliseconds): a Redis that is down, frozen or out of pooled connections is answered for by
PostgreSQL's record of the same revocations (domain/participants/services/revoked_sessions.py),
with a short in-process cache. A check never fails open: with neither store answering, the
request is refused as unavailable (503), never let in.

A revocation is written to Redis as it is made, inside its use case's transaction; if Redis
does not take it, the use case fails with TRY_AGAIN and nothing is revoked anywhere (a
revocation kept only in PostgreSQL would be missed once Redis is back and answering).

Every revocation (of an API key too) is also announced on a channel every process follows
(api/security/open_sockets.py): a WebSocket opened with what was revoked is closed at once,
wherever it is. Announcements are fire-and-forget; the keys above are what a periodic
re-check of open sockets reads, so a lost announcement delays a close, never prevents it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import redis.asyncio as redis
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.participants.errors import RevocationUnavailable
from domain.participants.services.revoked_sessions import TokenGrant, revoked_in_records

logger = logging.getLogger("agora.security")

# What Redis being away looks like: refused or reset connections, error replies, timeouts
# (ours, a socket's, or the pool's wait for a free connection).
REDIS_OUTAGE = (redis.RedisError, OSError, TimeoutError)
REQUEST_TIMEOUT_SECONDS = 0.05
# A revocation is rare and must not be lost to a busy moment: it may wait longer.
WRITE_TIMEOUT_SECONDS = 1.0
# How long an answer read from PostgreSQL stands in for Redis's (revocations cannot be made
# while Redis is away, so the record only changes under us when Redis is merely slow).
RECORD_CACHE_SECONDS = 1.0
RECORD_CACHE_LIMIT = 100_000
WARN_EVERY_SECONDS = 30.0


class RevocationsUnknown(Exception):
    """Neither Redis nor PostgreSQL could say whether a token is revoked."""


@dataclass(frozen=True, slots=True)
class Revocation:
    """What one announcement ended: a session, a participant's tokens issued before a moment
    (seconds since the epoch), or an API key."""

    session_id: UUID | None = None
    participant_id: UUID | None = None
    issued_before: int | None = None
    api_key_id: UUID | None = None

    def encode(self) -> str:
        fields = {
            "session": self.session_id,
            "participant": self.participant_id,
            "before": self.issued_before,
            "api_key": self.api_key_id,
        }
        return json.dumps({k: str(v) if isinstance(v, UUID) else v for k, v in fields.items()})

    @classmethod
    def decode(cls, data: str | bytes) -> Revocation | None:
        """The announcement, or None for a message that is not one (it is ignored)."""
        try:
            fields = json.loads(data)
            return cls(
                session_id=_uuid(fields.get("session")),
                participant_id=_uuid(fields.get("participant")),
                issued_before=None if fields.get("before") is None else int(fields["before"]),
                api_key_id=_uuid(fields.get("api_key")),
            )
        except (ValueError, TypeError, AttributeError):
            return None


def _uuid(value: object) -> UUID | None:
    return None if value is None else UUID(str(value))


def revocation_channel(client: redis.Redis) -> str:
    """The announcements' channel. Pub/sub ignores the database number, so it is in the name:
    installations sharing one Redis server on different databases do not hear each other."""
    database = client.connection_pool.connection_kwargs.get("db", 0)
    return f"agora:revocations:{database}"


class RedisRevocations:
    """`checks` answers request-path reads (a client with short socket and pool timeouts);
    `writes` takes revocations and announcements; `engine` reads the record when Redis can't."""

    def __init__(
        self,
        checks: redis.Redis,
        *,
        token_lifetime: timedelta,
        writes: redis.Redis | None = None,
        engine: AsyncEngine | None = None,
        timeout_seconds: float = REQUEST_TIMEOUT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._checks = checks
        self._writes = writes or checks
        self._engine = engine
        self._ttl = int(token_lifetime.total_seconds()) + 60
        self._timeout = timeout_seconds
        self._monotonic = monotonic
        self._record_cache: dict[TokenGrant, tuple[bool, float]] = {}
        self._warned_at = -math.inf
        self.channel = revocation_channel(self._writes)
        self.answered_from_records = 0  # checks Redis could not answer (a metric)

    @staticmethod
    def _session_key(session_id: UUID) -> str:
        return f"agora:revoked:session:{session_id}"

    @staticmethod
    def _participant_key(participant_id: UUID) -> str:
        return f"agora:revoked:before:{participant_id}"

    async def revoke_session(self, session_id: UUID) -> None:
        await self._write(
            lambda pipe: pipe.set(self._session_key(session_id), 1, ex=self._ttl),
            Revocation(session_id=session_id),
        )

    async def revoke_all_issued_before(self, participant_id: UUID, moment: datetime) -> None:
        before = int(moment.timestamp())
        await self._write(
            lambda pipe: pipe.set(self._participant_key(participant_id), before, ex=self._ttl),
            Revocation(participant_id=participant_id, issued_before=before),
        )

    async def _write(self, key: Callable[[Any], object], announcement: Revocation) -> None:
        try:
            async with asyncio.timeout(WRITE_TIMEOUT_SECONDS):
                async with self._writes.pipeline(transaction=False) as pipe:
                    key(pipe)
                    pipe.publish(self.channel, announcement.encode())
                    await pipe.execute()
        except REDIS_OUTAGE as error:
            raise RevocationUnavailable(
                "sessions cannot be ended for a moment: try again"
            ) from error

    async def revoke_api_key(self, api_key_id: UUID) -> None:
        """Announce it only: the key's row is what every request checks."""
        try:
            async with asyncio.timeout(WRITE_TIMEOUT_SECONDS):
                await self._writes.publish(self.channel, Revocation(api_key_id=api_key_id).encode())
        except REDIS_OUTAGE:
            # The row is revoked all the same; open sockets see it at their next re-check.
            logger.warning("API key revocation not announced: Redis unavailable")

    async def is_revoked(self, *, session_id: UUID, participant_id: UUID, issued_at: int) -> bool:
        """RevocationsUnknown if neither Redis nor PostgreSQL can answer."""
        grant = TokenGrant(session_id, participant_id, issued_at)
        return bool(await self.revoked_grants([grant]))

    async def revoked_grants(self, grants: Sequence[TokenGrant]) -> list[TokenGrant]:
        """Those of `grants` revoked since they were issued: one MGET, or one query of the
        record when Redis cannot answer in time (RevocationsUnknown if that fails too)."""
        if not grants:
            return []
        keys = []
        for grant in grants:
            keys += [
                self._session_key(grant.session_id),
                self._participant_key(grant.participant_id),
            ]
        try:
            async with asyncio.timeout(self._timeout):
                values = await self._checks.mget(keys)
        except REDIS_OUTAGE as error:
            return await self._from_records(grants, error)
        return [
            grant
            for n, grant in enumerate(grants)
            if _revoked(values[2 * n], values[2 * n + 1], grant.issued_at)
        ]

    async def _from_records(
        self, grants: Sequence[TokenGrant], error: BaseException
    ) -> list[TokenGrant]:
        self.answered_from_records += len(grants)
        now = self._monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            logger.warning(
                "revocations read from PostgreSQL: Redis did not answer",
                extra={"error": repr(error)},
            )
        cached = {g: hit[0] for g in grants if (hit := self._record_cache.get(g)) and hit[1] > now}
        unknown = [g for g in grants if g not in cached]
        if unknown:
            revoked = set(await self._read_records(unknown))
            if len(self._record_cache) > RECORD_CACHE_LIMIT:
                self._record_cache.clear()
            for grant in unknown:
                cached[grant] = grant in revoked
                # A revocation is final: it stands as long as the token could live.
                life = self._ttl if cached[grant] else RECORD_CACHE_SECONDS
                self._record_cache[grant] = (cached[grant], now + life)
        return [g for g in grants if cached[g]]

    async def _read_records(self, grants: Sequence[TokenGrant]) -> list[TokenGrant]:
        if self._engine is None:
            raise RevocationsUnknown("Redis did not answer and no database is configured")
        try:
            async with self._engine.connect() as conn:
                return await revoked_in_records(conn, grants)
        except (SQLAlchemyError, OSError) as error:
            raise RevocationsUnknown("neither Redis nor PostgreSQL answered") from error


def _revoked(session_revoked: object, cutoff: object, issued_at: int) -> bool:
    return session_revoked is not None or (
        cutoff is not None and issued_at < int(cutoff)  # type: ignore[call-overload]
    )
