"""WebSocket credentials travel in connection_init; bad ones close the connection."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from support.graphql import PASSWORD, REGISTER, unique_email
from support.server import ServerProcess


def sign_up_and_in(server: ServerProcess) -> str:
    email = unique_email("ws")
    with httpx.Client(base_url=server.url) as http:
        registered = http.post(
            "/graphql",
            json={
                "query": REGISTER,
                "variables": {
                    "input": {
                        "kind": "PERSON",
                        "displayName": "WS",
                        "email": email,
                        "password": PASSWORD,
                        "roles": ["INVESTOR"],
                    }
                },
            },
        ).json()
        assert registered["data"]["register"]["errors"] == []
        tokens = http.post(
            "/graphql",
            json={
                "query": "mutation($i: LogInInput!) {"
                " logIn(input: $i) { accessToken errors { code } } }",
                "variables": {"i": {"login": email, "password": PASSWORD}},
            },
        ).json()
    assert tokens["data"]["logIn"]["errors"] == [], tokens
    return str(tokens["data"]["logIn"]["accessToken"])


async def connect(server: ServerProcess, payload: dict) -> tuple[websockets.ClientConnection, dict]:
    ws = await websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"])
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    return ws, json.loads(await asyncio.wait_for(ws.recv(), timeout=5))


async def test_a_token_in_connection_init_signs_the_connection_in(server: ServerProcess) -> None:
    token = await asyncio.to_thread(sign_up_and_in, server)

    ws, ack = await connect(server, {"authorization": f"Bearer {token}"})
    await ws.send(
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ me { roles } }"}})
    )
    result = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    await ws.close()

    assert ack == {"type": "connection_ack", "payload": {"actor": "PERSON"}}
    assert result["payload"] == {"data": {"me": {"roles": ["INVESTOR"]}}}


async def test_a_bad_token_in_connection_init_is_refused(server: ServerProcess) -> None:
    ws = await websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"])
    forged = {"type": "connection_init", "payload": {"authorization": "Bearer forged.x.y"}}
    await ws.send(json.dumps(forged))
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), timeout=5)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_subscriptions_per_connection_are_capped(server: ServerProcess) -> None:
    ws, ack = await connect(server, {})
    assert ack["type"] == "connection_ack"
    query = "subscription { heartbeat(intervalSeconds: 300) { sequence } }"
    for n in range(21):  # the cap is 20 by default
        await ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": {"query": query}}))

    replies = [json.loads(await asyncio.wait_for(ws.recv(), timeout=5)) for _ in range(21)]
    await ws.close()

    assert sorted(r["id"] for r in replies if r["type"] == "next") == sorted(map(str, range(20)))
    [refused] = [r for r in replies if r["type"] == "error"]
    assert refused["id"] == "20"
    assert refused["payload"][0]["message"] == "Subscription limit reached"
