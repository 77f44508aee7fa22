"""Browsers: CORS and WebSocket origins come from one allow-list in the settings."""

from __future__ import annotations

import httpx
import pytest
import websockets

from support.server import ServerProcess, server_env
from support.stores import StoreUrls

ALLOWED = "https://app.agora.example"


@pytest.fixture(scope="module")
def browser_facing(stores: StoreUrls):  # type: ignore[no-untyped-def]
    process = ServerProcess(server_env(stores, AGORA_CORS_ORIGINS=ALLOWED))
    process.start()
    yield process
    process.stop()


def preflight(server: ServerProcess, origin: str) -> httpx.Response:
    return httpx.options(
        server.url + "/graphql",
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
        },
    )


def test_an_allowed_origin_passes_the_preflight(browser_facing: ServerProcess) -> None:
    response = preflight(browser_facing, ALLOWED)

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


def test_another_origin_is_refused(browser_facing: ServerProcess) -> None:
    response = preflight(browser_facing, "https://evil.example")

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_websockets_accept_only_listed_origins(browser_facing: ServerProcess) -> None:
    url = browser_facing.ws_url
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"], origin=ALLOWED) as ws:
        assert ws.subprotocol == "graphql-transport-ws"

    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(
            url, subprotocols=["graphql-transport-ws"], origin="https://evil.example"
        )

    assert refused.value.response.status_code == 403
