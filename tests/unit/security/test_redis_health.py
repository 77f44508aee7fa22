"""Giving Redis a rest: after a failure calls skip it for the cooldown, then one call at a
time probes, and an answer makes every call ask again."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as redis

from api.redis_health import RedisHealth, RedisSkipped


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def answer() -> str:
    return "PONG"


async def refuse() -> str:
    raise redis.ConnectionError("connection refused")


async def hang() -> str:
    await asyncio.sleep(10)
    return "never"


async def test_a_healthy_redis_is_always_asked() -> None:
    health = RedisHealth(monotonic=Clock())

    assert [await health.ask(answer, timeout_seconds=1) for _ in range(3)] == ["PONG"] * 3
    assert health.healthy


async def test_after_a_failure_calls_skip_redis_until_the_cooldown_ends() -> None:
    clock = Clock()
    health = RedisHealth(cooldown_seconds=1.0, monotonic=clock)
    with pytest.raises(redis.ConnectionError):
        await health.ask(refuse, timeout_seconds=1)

    clock.now += 0.99
    with pytest.raises(RedisSkipped):
        await health.ask(answer, timeout_seconds=1)
    clock.now += 0.02
    assert await health.ask(answer, timeout_seconds=1) == "PONG"  # the probe is answered
    assert health.healthy
    assert await health.ask(answer, timeout_seconds=1) == "PONG"


async def test_a_call_that_times_out_counts_as_a_failure() -> None:
    clock = Clock()
    health = RedisHealth(monotonic=clock)
    with pytest.raises(TimeoutError):
        await health.ask(hang, timeout_seconds=0.01)

    assert not health.healthy
    with pytest.raises(RedisSkipped):
        await health.ask(answer, timeout_seconds=1)


async def test_one_call_at_a_time_probes_a_resting_redis() -> None:
    clock = Clock()
    health = RedisHealth(cooldown_seconds=1.0, monotonic=clock)
    with pytest.raises(redis.ConnectionError):
        await health.ask(refuse, timeout_seconds=1)
    clock.now += 2
    probe_started, release = asyncio.Event(), asyncio.Event()

    async def slow_answer() -> str:
        probe_started.set()
        await release.wait()
        return "PONG"

    probe = asyncio.create_task(health.ask(slow_answer, timeout_seconds=5))
    await probe_started.wait()
    with pytest.raises(RedisSkipped):  # while the probe is out, the others keep away
        await health.ask(answer, timeout_seconds=1)
    release.set()

    assert await probe == "PONG"
    assert await health.ask(answer, timeout_seconds=1) == "PONG"


async def test_a_failed_probe_rests_redis_again() -> None:
    clock = Clock()
    health = RedisHealth(cooldown_seconds=1.0, monotonic=clock)
    for _ in range(2):
        with pytest.raises(redis.ConnectionError):
            await health.ask(refuse, timeout_seconds=1)
        clock.now += 0.5
        with pytest.raises(RedisSkipped):
            await health.ask(answer, timeout_seconds=1)
        clock.now += 0.6


async def test_a_cancelled_call_gives_no_verdict() -> None:
    clock = Clock()
    health = RedisHealth(monotonic=clock)
    with pytest.raises(redis.ConnectionError):
        await health.ask(refuse, timeout_seconds=1)
    clock.now += 2
    probe = asyncio.create_task(health.ask(hang, timeout_seconds=5))
    await asyncio.sleep(0)
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe

    assert await health.ask(answer, timeout_seconds=1) == "PONG"  # a new probe may go
