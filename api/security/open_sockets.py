"""Open WebSockets end when what opened them is revoked (a session, a password, an API key)
or expires (an access token).

HTTP checks credentials on every request; a WebSocket only at connection_init, so a socket
would otherwise outlive its session. Each process keeps the signed-in sockets it serves,
indexed by session, participant and API key, and
- follows the revocation channel (api/security/revocations.py): an announcement closes the
  sockets it names at once (close 4401), whichever process revoked;
- re-checks every socket every `recheck_seconds` against the revocation keys (one MGET) and
  the API keys' rows (one SELECT), so an announcement lost while this process was away from
  Redis delays a close by at most that long; and ends the sockets whose access token has
  expired (by the wall clock, as the token itself is checked), so a subscription lives no
  longer than the token that opened it: a client reconnects with a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from uuid import UUID

import redis.asyncio as redis
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from api.security.revocations import (
    RedisRevocations,
    Revocation,
    RevocationsUnknown,
)
from domain.clock import Clock
from domain.participants.services.api_keys import live_api_keys
from domain.participants.services.revoked_sessions import TokenGrant

logger = logging.getLogger("agora.security")

REVOKED_CLOSE_CODE = 4401
REVOKED_CLOSE_REASON = "credentials revoked or expired: sign in again"
BACKOFF_FIRST_SECONDS = 0.1
BACKOFF_MAX_SECONDS = 5.0

End = Callable[[], Awaitable[None]]


@dataclass(eq=False)
class WatchedSocket:
    """One signed-in socket: who opened it with what, and how to end it."""

    participant_id: UUID
    grant: TokenGrant | None  # a person's access token
    api_key_id: UUID | None  # or a machine client's key
    end: End = field(repr=False)
    expires_at: int | None = None  # the access token's expiry (seconds since the epoch)

    def revoked_by(self, revocation: Revocation) -> bool:
        grant = self.grant
        if revocation.api_key_id is not None:
            return revocation.api_key_id == self.api_key_id
        if grant is None:
            return False
        if revocation.session_id is not None:
            return revocation.session_id == grant.session_id
        return (
            revocation.participant_id == grant.participant_id
            and revocation.issued_before is not None
            and grant.issued_at < revocation.issued_before
        )


class OpenSockets:
    def __init__(
        self,
        *,
        redis_client: redis.Redis,
        revocations: RedisRevocations,
        engine: AsyncEngine,
        clock: Clock,
        recheck_seconds: float,
    ) -> None:
        self._redis = redis_client
        self._revocations = revocations
        self._engine = engine
        self._clock = clock
        self.recheck_seconds = recheck_seconds
        self._by_participant: defaultdict[UUID, set[WatchedSocket]] = defaultdict(set)
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self.listening = asyncio.Event()  # subscribed to the channel (tests wait for it)

    # -- sockets -------------------------------------------------------------------------
    def watch(
        self,
        participant_id: UUID,
        *,
        grant: TokenGrant | None,
        api_key_id: UUID | None,
        end: End,
        expires_at: int | None = None,
    ) -> WatchedSocket:
        socket = WatchedSocket(participant_id, grant, api_key_id, end, expires_at)
        self._by_participant[participant_id].add(socket)
        return socket

    def forget(self, socket: WatchedSocket) -> None:
        sockets = self._by_participant.get(socket.participant_id)
        if sockets is None:
            return
        sockets.discard(socket)
        if not sockets:
            del self._by_participant[socket.participant_id]

    @property
    def count(self) -> int:
        return sum(map(len, self._by_participant.values()))

    def _all(self) -> list[WatchedSocket]:
        return [s for sockets in self._by_participant.values() for s in sockets]

    def _end(self, sockets: list[WatchedSocket]) -> None:
        for socket in sockets:
            self.forget(socket)
            self._spawn(self._end_safely(socket), name="agora-end-revoked-socket")

    async def _end_safely(self, socket: WatchedSocket) -> None:
        try:
            await socket.end()
        except Exception:  # the socket is forgotten either way; its client is likely gone
            logger.warning("ending a revoked socket failed", exc_info=True)

    def _spawn(self, work: Awaitable[None], *, name: str) -> None:
        task = asyncio.ensure_future(work)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def apply(self, revocation: Revocation) -> None:
        """End the sockets `revocation` names."""
        if revocation.api_key_id is not None:
            candidates = self._all()
        else:
            participant = revocation.participant_id
            candidates = (
                list(self._by_participant.get(participant, ()))
                if participant is not None
                else self._all()
            )
        self._end([s for s in candidates if s.revoked_by(revocation)])

    async def recheck(self) -> None:
        """End every socket whose credential no longer works (what a lost announcement missed)."""
        sockets = self._all()
        by_grant = {s.grant: s for s in sockets if s.grant is not None}
        by_key = {s.api_key_id: s for s in sockets if s.api_key_id is not None}
        now = time.time()
        revoked = [s for s in sockets if s.expires_at is not None and s.expires_at <= now]
        if by_grant:
            try:  # Redis, or PostgreSQL's record when Redis cannot answer
                ended = set(await self._revocations.revoked_grants(list(by_grant)))
            except RevocationsUnknown:
                logger.warning("open sockets not re-checked: neither Redis nor PostgreSQL answered")
                ended = set()  # the next round tries again; no new request gets in meanwhile
            revoked += [s for s in sockets if s.grant in ended]
        if by_key:
            try:
                async with self._engine.connect() as conn:
                    live = await live_api_keys(conn, clock=self._clock, key_ids=set(by_key))
            except (SQLAlchemyError, OSError):
                logger.warning("open API-key sockets not re-checked: the database is unavailable")
                live = set(by_key)
            revoked += [s for s in sockets if s.api_key_id is not None and s.api_key_id not in live]
        self._end(list(dict.fromkeys(revoked)))  # expired and revoked: ended once

    async def _recheck_safely(self) -> None:
        try:
            await self.recheck()
        except Exception:
            logger.exception("re-checking open sockets failed")

    # -- the background work -----------------------------------------------------------------
    async def start(self) -> None:
        self._spawn(self._listen_forever(), name="agora-revocation-listener")
        self._spawn(self._recheck_forever(), name="agora-revocation-recheck")

    async def stop(self) -> None:
        self._stopping = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _recheck_forever(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.recheck_seconds)
            await self._recheck_safely()

    async def _listen_forever(self) -> None:
        delay = BACKOFF_FIRST_SECONDS
        while not self._stopping:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._revocations.channel)
                self.listening.set()
                delay = BACKOFF_FIRST_SECONDS
                while not self._stopping:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        revocation = Revocation.decode(message["data"])
                        if revocation is not None:
                            self.apply(revocation)
            except (redis.RedisError, OSError) as error:
                logger.warning("revocation channel lost (%s); retrying in %.1fs", error, delay)
            except Exception:
                logger.exception("following the revocation channel failed; retrying")
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):  # a connection already broken
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))  # noqa: S311 (jitter)
            delay = min(delay * 2, BACKOFF_MAX_SECONDS)
            # Announcements made while away are lost: catch up on what they would have ended.
            self._spawn(self._recheck_safely(), name="agora-revocation-catch-up")
