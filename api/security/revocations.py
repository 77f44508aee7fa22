"""Access-token revocation in Redis: a session, or everything a participant held before a moment.

Access tokens are checked against these keys on every request (one MGET); the keys expire
with the longest-lived access token, after which the tokens have expired by themselves.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from uuid import UUID

import redis.asyncio as redis

logger = logging.getLogger("agora.security")


class RedisRevocations:
    def __init__(self, client: redis.Redis, *, token_lifetime: timedelta) -> None:
        self._redis = client
        self._ttl = int(token_lifetime.total_seconds()) + 60

    @staticmethod
    def _session_key(session_id: UUID) -> str:
        return f"agora:revoked:session:{session_id}"

    @staticmethod
    def _participant_key(participant_id: UUID) -> str:
        return f"agora:revoked:before:{participant_id}"

    async def revoke_session(self, session_id: UUID) -> None:
        await self._redis.set(self._session_key(session_id), 1, ex=self._ttl)

    async def revoke_all_issued_before(self, participant_id: UUID, moment: datetime) -> None:
        await self._redis.set(
            self._participant_key(participant_id), int(moment.timestamp()), ex=self._ttl
        )

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
        return session_revoked is not None or (cutoff is not None and issued_at < int(cutoff))
