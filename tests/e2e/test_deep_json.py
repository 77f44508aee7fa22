"""JSON nested past AGORA_MAX_JSON_DEPTH is a bad request, refused before the parser recurses:
HTTP 400 with a GraphQL error body, WebSocket close 4400 (both protocols), nothing at ERROR."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import httpx
import pytest
import websockets

from support.server import ServerProcess
from support.subscribers import LEGACY_WS, TRANSPORT_WS

LEVELS = 50_000
DEEP_VARIABLES = "[" * LEVELS + "]" * LEVELS


@dataclass(frozen=True)
class Watched:
    """The suite's server, and where its log stood when the test began."""

    process: ServerProcess
    mark: int

    @property
    def url(self) -> str:
        return self.process.url

    @property
    def ws_url(self) -> str:
        return self.process.ws_url


@pytest.fixture
def deep_server(server: ServerProcess) -> Watched:
    """The suite's server, its log read only from here on: what this test caused."""
    return Watched(server, server.log_mark())


def assert_nothing_logged_at_error(server: Watched) -> None:
    log = server.process.output(since=server.mark)
    assert "RecursionError" not in log
    assert "Traceback" not in log
    assert '"level": "error"' not in log
    assert '"level": "critical"' not in log


@pytest.mark.parametrize("accept", ["application/graphql-response+json", "application/json"])
def test_a_deeply_nested_body_is_a_bad_request(deep_server: Watched, accept: str) -> None:
    body = '{"query": "{ __typename }", "variables": {"v": ' + DEEP_VARIABLES + "}}"

    response = httpx.post(
        deep_server.url + "/graphql",
        content=body,
        headers={"content-type": "application/json", "accept": accept},
    )

    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "JSON nested deeper than 64 levels"}]}
    assert_nothing_logged_at_error(deep_server)


def test_deeply_nested_get_variables_are_a_bad_request(deep_server: Watched) -> None:
    params = {"query": "{ __typename }", "variables": "[" * 5_000 + "]" * 5_000}

    response = httpx.get(deep_server.url + "/graphql", params=params)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "JSON nested deeper than 64 levels"


def test_nesting_within_the_limit_still_works(deep_server: Watched) -> None:
    body = {"query": "{ __typename }", "extensions": {"deep": json.loads("[" * 60 + "]" * 60)}}

    response = httpx.post(deep_server.url + "/graphql", json=body)

    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_deeply_nested_websocket_message_closes_with_4400(
    deep_server: Watched, subprotocol: str
) -> None:
    async with websockets.connect(deep_server.ws_url, subprotocols=[subprotocol]) as ws:
        await ws.send('{"type": "connection_init", "payload": ' + DEEP_VARIABLES + "}")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), timeout=10)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4400
    assert closed.value.rcvd.reason == "JSON nested deeper than 64 levels"
    assert_nothing_logged_at_error(deep_server)
