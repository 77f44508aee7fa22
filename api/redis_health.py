"""Whether a request should ask Redis at all: after Redis fails to answer in time, the checks
on a request's path (revocations, rate limits) stop asking it for a moment and go straight to
their fallbacks, so a frozen Redis costs one timeout per `cooldown_seconds`, not one per call.

Closed (healthy): every call asks Redis. A call that fails opens it for `cooldown_seconds`:
calls skip Redis (RedisSkipped). After that one call at a time probes; its answer closes it,
its failure opens it again. Safe because every caller has a fallback that keeps its
guarantee (PostgreSQL's record of revocations, the in-process rate limiter): skipping Redis
changes how fast a request is answered, never whether it is let in.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.asyncio as redis

T = TypeVar("T")

# What Redis being away looks like: refused or reset connections, error replies (OOM,
# READONLY), timeouts (ours, a socket's, or the pool's wait for a free connection).
REDIS_OUTAGE = (redis.RedisError, OSError, TimeoutError)
COOLDOWN_SECONDS = 1.0


class RedisSkipped(Exception):
    """Not asked: Redis failed a moment ago (the caller uses its fallback)."""


class RedisHealth:
    def __init__(
        self,
        *,
        cooldown_seconds: float = COOLDOWN_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cooldown = cooldown_seconds
        self._monotonic = monotonic
        self._open_until = -math.inf
        self._failed = False
        self._probing = False

    @property
    def healthy(self) -> bool:
        return not self._failed

    async def ask(self, work: Callable[[], Awaitable[T]], *, timeout_seconds: float) -> T:
        """`work()`'s answer within the timeout; RedisSkipped while Redis is given a rest, and
        the outage's own error (a REDIS_OUTAGE) when it fails now."""
        if not self._may_ask():
            raise RedisSkipped()
        try:
            async with asyncio.timeout(timeout_seconds):
                answer = await work()
        except REDIS_OUTAGE:
            self._failed, self._probing = True, False
            self._open_until = self._monotonic() + self._cooldown
            raise
        except BaseException:  # not Redis's fault (a cancelled request): no verdict
            self._probing = False
            raise
        self._failed, self._probing = False, False
        return answer

    def _may_ask(self) -> bool:
        if not self._failed:
            return True
        if self._probing or self._monotonic() < self._open_until:
            return False
        self._probing = True  # this call probes; the others keep to their fallbacks
        return True
