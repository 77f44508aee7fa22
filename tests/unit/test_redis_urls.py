"""REDIS_URL with Sentinel: the sentinels, the master's name and the database, from one URL."""

import pytest
import redis.asyncio as redis
from redis.asyncio.sentinel import SentinelConnectionPool

from api.rate_limits import RateLimiter
from api.redis_clients import SentinelTarget, connection_pool, sentinel_target


def test_a_sentinel_url_names_the_sentinels_the_master_and_the_database() -> None:
    url = "redis+sentinel://:s%40cret@10.0.0.1:26379,10.0.0.2:26380,10.0.0.3/agora/2"

    assert sentinel_target(url) == SentinelTarget(
        sentinels=(("10.0.0.1", 26379), ("10.0.0.2", 26380), ("10.0.0.3", 26379)),
        service="agora",
        db=2,
        password="s@cret",
    )


def test_other_urls_are_not_sentinels() -> None:
    assert sentinel_target("redis://127.0.0.1:6379/0") is None
    assert sentinel_target("unix:///tmp/agora/redis.sock") is None


def test_a_sentinel_url_without_a_master_name_is_refused() -> None:
    with pytest.raises(ValueError, match="master"):
        sentinel_target("redis+sentinel://10.0.0.1:26379")


async def test_pools_follow_the_url() -> None:
    sentinel = connection_pool(
        "redis+sentinel://127.0.0.1:26379/agora/1", blocking=True, timeout=0.05, max_connections=5
    )
    plain = connection_pool("redis://127.0.0.1:6379/1", blocking=True, timeout=0.05)

    assert isinstance(sentinel, SentinelConnectionPool)
    assert sentinel.connection_kwargs["db"] == 1
    assert isinstance(plain, redis.BlockingConnectionPool)
    await sentinel.aclose()
    await plain.aclose()


async def test_the_rate_limiter_opens_on_a_sentinel_url() -> None:
    limiter = RateLimiter(max_connections=5)

    limiter.open("redis+sentinel://127.0.0.1:26379,127.0.0.1:26380/agora/0")  # connects lazily

    await limiter.close()
