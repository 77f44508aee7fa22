"""/graphql over WebSocket with a real client, in both subprotocols."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from support.server import ServerProcess

PROTOCOLS = [WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL, WebsocketsTransport.APOLLO_SUBPROTOCOL]
QUOTE = gql(
    """
    query {
      platform { name currency }
      quoteLoan(input: {principal: "1200.00", currency: "CNY", annualRate: "0",
                        termMonths: 12, method: EQUAL_PRINCIPAL}) {
        installments { total { amount } }
        totalInterest { amount }
      }
    }
    """
)


HEARTBEAT = gql("subscription { heartbeat(intervalSeconds: 1) { sequence at } }")
BAD_HEARTBEAT = gql("subscription { heartbeat(intervalSeconds: 0) { sequence } }")


@pytest.mark.parametrize("subprotocol", PROTOCOLS)
async def test_subscriptions_stream_over_both_websocket_protocols(
    server: ServerProcess, subprotocol: str
) -> None:
    transport = WebsocketsTransport(url=server.ws_url, subprotocols=[subprotocol])

    ticks = []
    async with Client(transport=transport) as session:
        async for tick in session.subscribe(HEARTBEAT):
            ticks.append(tick["heartbeat"])
            if len(ticks) == 2:
                break

    assert transport.subprotocol == subprotocol
    assert [t["sequence"] for t in ticks] == [1, 2]
    assert ticks[0]["at"] < ticks[1]["at"]


@pytest.mark.parametrize("subprotocol", PROTOCOLS)
async def test_subscription_errors_are_typed(server: ServerProcess, subprotocol: str) -> None:
    transport = WebsocketsTransport(url=server.ws_url, subprotocols=[subprotocol])

    async with Client(transport=transport) as session:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(BAD_HEARTBEAT):
                pass

    assert refused.value.errors is not None
    [error] = refused.value.errors
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "intervalSeconds"}


UNFIT_CURSOR = gql("subscription W($after: String) { walletChanged(after: $after) { cursor } }")


@pytest.mark.parametrize(
    "after", ["\ud800", "a\x00b", "x" * 100_000], ids=["surrogate", "nul", "long"]
)
async def test_unfit_subscription_input_is_refused_on_its_field(
    server: ServerProcess, after: str
) -> None:
    subprotocol = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL
    transport = WebsocketsTransport(url=server.ws_url, subprotocols=[subprotocol])

    async with Client(transport=transport) as session:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(UNFIT_CURSOR, variable_values={"after": after}):
                pass

    assert refused.value.errors is not None
    [error] = refused.value.errors
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "after"}


async def test_queries_run_over_graphql_transport_ws(server: ServerProcess) -> None:
    subprotocol = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL
    transport = WebsocketsTransport(url=server.ws_url, subprotocols=[subprotocol])

    async with Client(transport=transport) as session:
        result = await session.execute(QUOTE)

    assert transport.subprotocol == subprotocol
    assert result["platform"] == {"name": "Agora", "currency": "CNY"}
    totals = [i["total"]["amount"] for i in result["quoteLoan"]["installments"]]
    assert totals == ["100.00"] * 12
    assert result["quoteLoan"]["totalInterest"] == {"amount": "0.00"}


async def test_graphql_transport_ws_requires_connection_init_first(server: ServerProcess) -> None:
    async with websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }"}})
        )
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), timeout=5)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401  # Unauthorized: subscribe before connection_ack


async def test_unknown_subprotocol_is_refused(server: ServerProcess) -> None:
    async with websockets.connect(server.ws_url, subprotocols=["graphql-nonsense"]) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), timeout=5)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4406
