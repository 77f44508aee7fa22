"""REDIS_URL's forms, and the connection pools every Redis client of a process is built on.

    redis://[:password@]host:6379/0          one server (rediss:// with TLS, unix:// a socket)
    redis+sentinel://[:password@]s1:26379,s2:26379,s3:26379/agora[/0]
                                             Redis Sentinel: the sentinels, the name of the
                                             master they watch, the database number

With Sentinel every connection asks the sentinels where the master is when it connects, so
after a failover a new connection finds the new master. A connection still open to a master
that was demoted to a replica gets READONLY on its next write: redis-py's Sentinel connection
turns that into a ConnectionError and drops itself, and the pool drops its idle connections
once one of them finds the master moved; the callers' own recovery (the relay's and the hub's
retries, the request-path fallbacks of api/redis_health.py) then reconnects to the new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import redis.asyncio as redis
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool

SENTINEL_SCHEME = "redis+sentinel"
# How long asking a sentinel where the master is may take (each sentinel in turn).
SENTINEL_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True)
class SentinelTarget:
    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int
    password: str | None


def sentinel_target(url: str) -> SentinelTarget | None:
    """The sentinels a redis+sentinel:// URL names; None for any other URL."""
    parts = urlsplit(url)
    if parts.scheme != SENTINEL_SCHEME:
        return None
    userinfo, _, hosts = parts.netloc.rpartition("@")
    password = unquote(userinfo.partition(":")[2]) or None
    sentinels = []
    for host in hosts.split(","):
        name, _, port = host.rpartition(":")
        sentinels.append((name, int(port)) if name else (port, 26379))
    service, _, db = parts.path.strip("/").partition("/")
    if not service or not sentinels:
        raise ValueError(
            f"a Sentinel URL names its sentinels and master: {SENTINEL_SCHEME}"
            "://host:26379,host:26380/service[/db]"
        )
    return SentinelTarget(tuple(sentinels), service, int(db or 0), password)


def connection_pool(url: str, *, blocking: bool = False, **options: Any) -> redis.ConnectionPool:
    """A pool on the URL's server, or on the master its sentinels name. `blocking`: a caller
    waits up to `timeout` for a free connection (Sentinel's pool has no such wait: a burst
    beyond `max_connections` fails at once, and request-path callers fall back)."""
    target = sentinel_target(url)
    if target is None:
        pool_class = redis.BlockingConnectionPool if blocking else redis.ConnectionPool
        return pool_class.from_url(url, **options)
    options.pop("timeout", None)
    sentinel_options = {
        "socket_timeout": SENTINEL_TIMEOUT_SECONDS,
        "socket_connect_timeout": SENTINEL_TIMEOUT_SECONDS,
        "password": target.password,
    }
    manager = Sentinel(list(target.sentinels), sentinel_kwargs=sentinel_options)  # type: ignore[no-untyped-call]
    return SentinelConnectionPool(  # type: ignore[no-untyped-call]
        target.service, manager, db=target.db, password=target.password, **options
    )


def redis_client(
    url: str, *, single_connection_client: bool = False, **options: Any
) -> redis.Redis:
    """A client on its own pool (closing the client closes the pool)."""
    client = redis.Redis(
        connection_pool=connection_pool(url, **options),
        single_connection_client=single_connection_client,
    )
    client.auto_close_connection_pool = True
    return client
