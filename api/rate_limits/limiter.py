"""Counting hits in Redis: a moving window per (scope, key), decided in-process when Redis can't.

Strategy: the moving window (`limits`' MovingWindowRateLimiter). It is exact — "5 per minute"
means no more than 5 in any 60 seconds, which is what a brute-force limit must promise,
where the sliding-window counter only estimates and can let through up to twice the limit
to a burst timed across its window boundary — and its Retry-After is exact too: the moment
the oldest hit in the window leaves it. Each hit is one Lua script, so concurrent hits from
several processes never over-admit. Its price is memory: one ~20-byte list entry per hit
still in the window (a key at 600/minute holds ~12 KB at most, and expires with its
window), hence the cap on a limit's amount in `policy.parse_limit`.

Failure: when Redis cannot answer in time (`timeout_seconds`, tens of milliseconds: refused
or reset connections, error replies such as OOM or READONLY, a frozen server, a pooled
connection not free in time), the hit is decided by the process's own limiter: the same
moving window, the same limits, counted in memory. Neither "let everything through" (a Redis
outage would switch brute-force protection off) nor "refuse everything" (it would become a
full outage, sign-in included). The overshoot is bounded and documented: each of N processes
admits up to the limit on its own, so at most N × limit per window while Redis is away, plus
what Redis itself counted of hits that timed out. Every fallback is counted in
`agora_rate_limiter_fallbacks_total{scope,reason}` (reason: unreachable, slow, or resting:
not asked, as Redis failed a moment ago), and `agora_rate_limiter_redis_healthy` says whether
the last hit was decided by Redis. After a failure Redis is given a rest (api/redis_health.py,
shared with the revocation checks): a frozen Redis costs one timeout a second, not one a hit,
and limits are shared again as soon as a probe is answered.
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any

import redis.asyncio as redis
from limits import RateLimitItem
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from prometheus_client import CollectorRegistry, Counter, Gauge

from api.rate_limits.keys import hashed_key
from api.redis_clients import connection_pool, sentinel_target
from api.redis_health import REDIS_OUTAGE, RedisHealth, RedisSkipped
from domain.rate_limits import RateLimited

logger = logging.getLogger("agora.rate_limits")

KEY_PREFIX = "agora:rate"
# A healthy Redis answers in a millisecond; the margin is for a busy event loop, whose lag
# counts against the timeout too (a hit without an answer in time is decided in-process).
TIMEOUT_SECONDS = 0.05
WARN_EVERY_SECONDS = 30.0
_SCOPE = re.compile(r"[a-z][a-z0-9_-]{0,31}")
# What "unreachable" looks like: refused or reset connections, Redis errors (OOM, read-only
# replica); and what "slow" looks like: timeouts, which `_is_slow` picks out of these.
# Anything else is a bug of ours and should surface.
_TIMEOUTS = (TimeoutError, redis.TimeoutError)  # asyncio's and socket's are TimeoutError


def _is_slow(error: BaseException) -> bool:
    """A timeout anywhere: ours, a socket's, or the pool's wait for a free connection
    (which redis-py raises as a ConnectionError caused by a TimeoutError)."""
    return isinstance(error, _TIMEOUTS) or isinstance(error.__cause__, _TIMEOUTS)


@dataclass(frozen=True)
class Decision:
    """One hit's outcome. `remaining` is None when not counted (or Redis could not say)."""

    allowed: bool
    retry_after_seconds: int  # 0 when allowed; at least 1 when refused
    remaining: int | None
    limit: int


def _limits_uri(redis_url: str) -> str:
    # With Sentinel our pool finds the master; `limits` only needs a URL it parses.
    if sentinel_target(redis_url) is not None:
        return "redis://sentinel-managed:6379"
    # `limits` reads unix:// (the embedded Redis) as Valkey; its own spelling is redis+unix://.
    if redis_url.startswith("unix://"):
        return "redis+" + redis_url
    return redis_url


class RateLimiter:
    """Counts hits per (scope, key) in Redis. Build it early; `open` it once the URL is known."""

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        registry: CollectorRegistry | None = None,
        enabled: bool = True,
        max_connections: int = 50,
        timeout_seconds: float = TIMEOUT_SECONDS,
    ) -> None:
        self.enabled = enabled
        self.max_connections = max_connections
        self.timeout_seconds = timeout_seconds
        self.fallbacks = Counter(
            "agora_rate_limiter_fallbacks",
            "Hits decided by the process's own limiter because Redis did not answer in time.",
            ["scope", "reason"],
            registry=registry,
        )
        self.refusals = Counter(
            "agora_rate_limit_refusals",
            "Hits refused by a rate limit.",
            ["scope"],
            registry=registry,
        )
        self.redis_healthy = Gauge(
            "agora_rate_limiter_redis_healthy",
            "1 when the last hit was decided by Redis, 0 when by the process's own limiter.",
            registry=registry,
        )
        self.redis_healthy.set(1)
        # The same window, in memory: what decides while Redis cannot (see the module's doc).
        self._in_process = MovingWindowRateLimiter(MemoryStorage())
        self._pool: redis.ConnectionPool | None = None
        self._health = RedisHealth()
        self._strategy: MovingWindowRateLimiter | None = None
        self._warned_at = -math.inf
        if redis_url is not None:
            self.open(redis_url)

    def open(self, redis_url: str, *, health: RedisHealth | None = None) -> None:
        """Point at Redis; nothing connects until the first hit. `health` is shared with the
        process's other request-path checks: one failure gives Redis a rest from all."""
        if health is not None:
            self._health = health
        if self._pool is not None:
            raise RuntimeError("the rate limiter is already open")
        # Our own pool, so we can close it (limits' storage has no close) and set timeouts.
        # A blocking one: a plain pool raises when all connections are busy, and a burst of
        # traffic must queue for a connection, not fall back at once.
        self._pool = connection_pool(
            redis_url,
            blocking=True,
            max_connections=self.max_connections,
            timeout=self.timeout_seconds,
            socket_connect_timeout=self.timeout_seconds,
            socket_timeout=self.timeout_seconds,
        )
        options: dict[str, Any] = {"connection_pool": self._pool}
        storage = RedisStorage(
            _limits_uri(redis_url), implementation="redispy", key_prefix=KEY_PREFIX, **options
        )
        self._strategy = MovingWindowRateLimiter(storage)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None
            self._strategy = None

    async def hit(
        self, scope: str, key: str, limit: RateLimitItem, *, count_remaining: bool = True
    ) -> Decision:
        """Count one hit of `key` against `limit`; refused hits are not counted.

        `count_remaining=False` saves a Redis round trip (~100 µs of CPU) on allowed hits.
        """
        if not _SCOPE.fullmatch(scope):
            raise ValueError(f"scope {scope!r} must match {_SCOPE.pattern}")
        if not self.enabled:
            return Decision(True, 0, None, limit.amount)
        if self._strategy is None:
            raise RuntimeError("open() the rate limiter (in the app's lifespan) before use")
        identifier = hashed_key(key)
        strategy = self._strategy
        try:
            decision = await self._health.ask(
                lambda: self._count(strategy, scope, identifier, limit, count_remaining),
                timeout_seconds=self.timeout_seconds,
            )
        except (*REDIS_OUTAGE, RedisSkipped) as error:
            self._fell_back(scope, error)
            return await self._count(self._in_process, scope, identifier, limit, count_remaining)
        self.redis_healthy.set(1)
        return decision

    async def _count(
        self,
        strategy: MovingWindowRateLimiter,
        scope: str,
        identifier: str,
        limit: RateLimitItem,
        count_remaining: bool,
    ) -> Decision:
        if await strategy.hit(limit, scope, identifier):
            remaining = None
            if count_remaining:
                remaining = (await strategy.get_window_stats(limit, scope, identifier)).remaining
            return Decision(True, 0, remaining, limit.amount)
        stats = await strategy.get_window_stats(limit, scope, identifier)
        self.refusals.labels(scope).inc()
        # The window may have moved on between the two calls: still ask for a second.
        wait = math.ceil(stats.reset_time - time.time())
        return Decision(False, min(max(wait, 1), limit.get_expiry()), 0, limit.amount)

    def _fell_back(self, scope: str, error: BaseException) -> None:
        if isinstance(error, RedisSkipped):
            reason = "resting"  # it failed a moment ago (api/redis_health.py)
        else:
            reason = "slow" if _is_slow(error) else "unreachable"
        self.fallbacks.labels(scope, reason).inc()
        self.redis_healthy.set(0)
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            logger.warning(
                "rate limits decided in-process: Redis did not answer in time",
                extra={"scope": scope, "reason": reason, "error": repr(error)},
            )

    async def clear(self, scope: str, key: str, limit: RateLimitItem) -> None:
        """Forget `key`'s hits (an operator unblocking someone); raises if Redis is down."""
        await self._in_process.clear(limit, scope, hashed_key(key))
        if self._strategy is not None:
            await self._strategy.clear(limit, scope, hashed_key(key))


async def check(limiter: RateLimiter, scope: str, key: str, limit: RateLimitItem) -> None:
    """Count one hit; raise RateLimited (a DomainError, code RATE_LIMITED) when refused."""
    decision = await limiter.hit(scope, key, limit, count_remaining=False)
    if not decision.allowed:
        raise RateLimited(decision.retry_after_seconds)
