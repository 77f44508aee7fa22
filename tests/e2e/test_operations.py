"""What operators rely on: probes, metrics, request ids, logs and graceful shutdown."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Iterator

import httpx
import pytest
import websockets

from api.app import create_app
from support.server import ServerProcess, server_env
from support.stores import StoreUrls, make_settings


def test_healthz_says_alive(server: ServerProcess) -> None:
    response = httpx.get(server.url + "/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_both_stores(server: ServerProcess) -> None:
    response = httpx.get(server.url + "/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "redis": "ok"}
    assert set(body["events"]) == {"unpublished", "lagSeconds"}  # the relay's backlog


def test_metrics_count_operations_by_root_field(server: ServerProcess) -> None:
    httpx.post(server.url + "/graphql", json={"query": "query Mine { platform { name } }"})
    httpx.post(server.url + "/graphql", json={"query": "{ nope }"})

    text = httpx.get(server.url + "/metrics").text

    assert 'agora_graphql_operations_total{operation="platform",outcome="ok",type="query"}' in text
    assert 'outcome="rejected"' in text
    assert "agora_graphql_operation_duration_seconds_bucket" in text
    assert 'agora_http_requests_total{method="POST",route="/graphql",status="200"}' in text
    assert "agora_db_pool_size" in text
    assert "agora_websocket_connections" in text
    assert "agora_transfer_batches_total" in text  # group commit of transfers at work
    assert "agora_pledge_batches_total" in text  # and of pledges


def test_request_id_is_echoed_or_made(server: ServerProcess) -> None:
    given = httpx.get(server.url + "/healthz", headers={"x-request-id": "abc-123"})
    hostile = httpx.get(server.url + "/healthz", headers={"x-request-id": "x" * 500})

    assert given.headers["x-request-id"] == "abc-123"
    assert len(hostile.headers["x-request-id"]) == 32


async def test_readyz_reports_a_store_that_is_down(stores: StoreUrls) -> None:
    # Port 9 (discard) has no Redis: the app must still start and say what is missing. In
    # this process: its lifespan is what `agora serve` runs at start.
    application = create_app(make_settings(stores, redis_url="redis://127.0.0.1:9/0"))
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://agora.test"
        ) as client,
    ):
        response = await client.get("/readyz", timeout=10)

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "down"}


@pytest.fixture(scope="module")
def chatty_server(stores: StoreUrls) -> Iterator[ServerProcess]:
    """A server of its own that logs at INFO and drains for 3 s: its logs are read, then
    it is sent SIGTERM (the last test here to use it)."""
    process = ServerProcess(
        server_env(stores, AGORA_SHUTDOWN_GRACE_SECONDS="3", AGORA_LOG_LEVEL="info")
    )
    process.start()
    yield process
    process.stop()


def test_logs_are_json_lines_with_request_ids(chatty_server: ServerProcess) -> None:
    httpx.get(chatty_server.url + "/healthz", headers={"x-request-id": "trace-me"})

    written_by = time.monotonic() + 10  # the access line follows the answer closely
    while "trace-me" not in chatty_server.output() and time.monotonic() < written_by:
        time.sleep(0.05)
    output = chatty_server.output()
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    access = [r for r in records if r.get("logger") == "agora.access" and r["path"] == "/healthz"]
    assert access
    assert access[-1]["request_id"] == "trace-me"
    assert access[-1]["status"] == 200
    assert {"timestamp", "level", "event"} <= access[-1].keys()


async def read_until_closed(ws: websockets.ClientConnection) -> None:
    while True:  # anything still in flight, then the close frame
        await asyncio.wait_for(ws.recv(), timeout=10)


async def test_sigterm_closes_websockets_and_exits_cleanly(chatty_server: ServerProcess) -> None:
    process = chatty_server
    async with websockets.connect(process.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"

        process.terminate()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await read_until_closed(ws)

    exit_code = await asyncio.to_thread(process.wait, 15)
    process.stop()  # already exited: keeps its log readable and closes the file
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code in (1001, 1012)  # going away / service restart
    # uvicorn re-raises the signal it handled once shutdown is complete.
    assert exit_code in (0, -signal.SIGTERM)
    assert "agora stopped" in process.output()


def test_several_workers_serve_the_same_api(stores: StoreUrls) -> None:
    process = ServerProcess(server_env(stores), args=("--workers", "2"))
    process.start()
    try:
        answers = {
            httpx.post(process.url + "/graphql", json={"query": "{ platform { name } }"}).text
            for _ in range(10)
        }
    finally:
        process.stop()

    assert answers == {'{"data":{"platform":{"name":"Agora"}}}'}
