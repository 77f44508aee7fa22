"""Access-token revocation in Redis: a session, or everything a participant held before a moment.

Access tokens are checked against these keys on every request (one MGET); the keys expire
with the longest-lived access token, after which the tokens have expired by themselves.

Every revocation (of an API key too) is also announced on a channel every process follows
(api/security/open_sockets.py): a WebSocket opened with what was revoked is closed at once,
wherever it is. Announcements are fire-and-forget; the keys above are what a periodic
re-check of open sockets reads, so a lost announcement delays a close, never prevents it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import redis.asyncio as redis

logger = logging.getLogger("agora.security")


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


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """What a person's access token was issued for: what its revocation is checked against."""

    session_id: UUID
    participant_id: UUID
    issued_at: int  # seconds since the epoch


def revocation_channel(client: redis.Redis) -> str:
    """The announcements' channel. Pub/sub ignores the database number, so it is in the name:
    installations sharing one Redis server on different databases do not hear each other."""
    database = client.connection_pool.connection_kwargs.get("db", 0)
    return f"agora:revocations:{database}"


class RedisRevocations:
    def __init__(self, client: redis.Redis, *, token_lifetime: timedelta) -> None:
        self._redis = client
        self._ttl = int(token_lifetime.total_seconds()) + 60
        self.channel = revocation_channel(client)

    @staticmethod
    def _session_key(session_id: UUID) -> str:
        return f"agora:revoked:session:{session_id}"

    @staticmethod
    def _participant_key(participant_id: UUID) -> str:
        return f"agora:revoked:before:{participant_id}"

    async def revoke_session(self, session_id: UUID) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(self._session_key(session_id), 1, ex=self._ttl)
            pipe.publish(self.channel, Revocation(session_id=session_id).encode())
            await pipe.execute()

    async def revoke_all_issued_before(self, participant_id: UUID, moment: datetime) -> None:
        before = int(moment.timestamp())
        announcement = Revocation(participant_id=participant_id, issued_before=before)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(self._participant_key(participant_id), before, ex=self._ttl)
            pipe.publish(self.channel, announcement.encode())
            await pipe.execute()

    async def revoke_api_key(self, api_key_id: UUID) -> None:
        """Announce it only: the key's row is what every request checks."""
        try:
            await self._redis.publish(self.channel, Revocation(api_key_id=api_key_id).encode())
        except redis.RedisError:
            # The row is revoked all the same; open sockets see it at their next re-check.
            logger.warning("API key revocation not announced: Redis unavailable")

    async def is_revoked(self, *, session_id: UUID, participant_id: UUID, issued_at: int) -> bool:
        try:
            session_revoked, cutoff = await self._redis.mget(
                self._session_key(session_id), self._participant_key(participant_id)
            )
        except redis.RedisError:
            # Availability over a 15-minute window: with Redis down the token's own expiry
            # still bounds it, and refresh tokens are checked in PostgreSQL.
            logger.warning("revocation check skipped: Redis unavailable")
            return False
        return _revoked(session_revoked, cutoff, issued_at)

    async def revoked_grants(self, grants: Sequence[TokenGrant]) -> list[TokenGrant]:
        """Those of `grants` revoked since they were issued, in one MGET (RedisError if down)."""
        if not grants:
            return []
        keys = []
        for grant in grants:
            keys += [
                self._session_key(grant.session_id),
                self._participant_key(grant.participant_id),
            ]
        values = await self._redis.mget(keys)
        return [
            grant
            for n, grant in enumerate(grants)
            if _revoked(values[2 * n], values[2 * n + 1], grant.issued_at)
        ]


def _revoked(session_revoked: object, cutoff: object, issued_at: int) -> bool:
    return session_revoked is not None or (
        cutoff is not None and issued_at < int(cutoff)  # type: ignore[call-overload]
    )
