"""Revoking credentials ends the WebSockets opened with them, in every process, at once:
logOut (that session's sockets), changePassword (all of the person's), revokeApiKey (the
key's). The socket closes with 4401; other sessions' sockets go on.

The suite's servers re-check open sockets only every 300 s: a close within seconds can only
come from the revocation announced on Redis, whichever process revoked.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets

from support.graphql import PASSWORD, Person, gql, log_in, signed_in
from support.server import ServerProcess
from support.subscribers import LEGACY_WS, TRANSPORT_WS

CLOSE_WITHIN_SECONDS = 10.0
WALLET_CHANGED = "subscription { walletChanged { cursor wallet { available { amount } } } }"
DEPOSIT = """mutation D($key: String!) { deposit(input: {amount: "1.00", currency: "CNY"},
    idempotencyKey: $key) { errors { code } } }"""
LOG_OUT = "mutation { logOut { ok errors { code } } }"
CHANGE_PASSWORD = """mutation($i: ChangePasswordInput!) { changePassword(input: $i) {
    accessToken errors { code } } }"""
CREATE_KEY = """mutation { createApiKey(input: {name: "ws", scopes: [EVENTS_READ, WALLET_READ]})
    { apiKey { id } secret errors { code } } }"""
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { errors { code } } }"
_keys = itertools.count(1)


@pytest.fixture(scope="module")
def servers(
    server: ServerProcess, other_server: ServerProcess
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """The suite's two processes on the same stores (tests/conftest.py), which re-check
    sockets too rarely to matter here."""
    pair = (server, other_server)
    marks = [process.log_mark() for process in pair]
    yield pair
    # Ending sockets mid-subscription is routine: nothing of it is an error.
    for process, mark in zip(pair, marks, strict=True):
        logged = process.output(since=mark)
        assert "Traceback" not in logged, logged
        assert '"level": "error"' not in logged, logged


async def call(server: ServerProcess, query: str, token: str, **variables: Any) -> Any:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        body = await gql(client, query, variables or None, token=token)
    assert "errors" not in body, body
    [payload] = body["data"].values()
    assert payload["errors"] == [], payload
    return payload


async def person(server: ServerProcess, roles: tuple[str, ...] = ("INVESTOR",)) -> Person:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        kind = "BUSINESS" if "MERCHANT" in roles else "PERSON"
        return await signed_in(client, roles=list(roles), kind=kind)


async def another_session(server: ServerProcess, who: Person) -> str:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        return str((await log_in(client, who.email))["accessToken"])


async def deposit(server: ServerProcess, who: Person) -> None:
    await call(server, DEPOSIT, who.access_token, key=f"revoked-sockets-{next(_keys)}")


@pytest.fixture
async def open_sockets() -> AsyncIterator[list[websockets.ClientConnection]]:
    sockets: list[websockets.ClientConnection] = []
    yield sockets
    for ws in sockets:
        await ws.close()


async def wallet_socket(
    server: ServerProcess, token: str, subprotocol: str, sockets: list[websockets.ClientConnection]
) -> websockets.ClientConnection:
    """A socket signed in with `token`, subscribed to walletChanged."""
    ws = await websockets.connect(server.ws_url, subprotocols=[subprotocol])
    sockets.append(ws)
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
    await ws.send(json.dumps(init))
    ack = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
    assert ack["type"] == "connection_ack", ack
    start = "subscribe" if subprotocol == TRANSPORT_WS else "start"
    await ws.send(json.dumps({"id": "w", "type": start, "payload": {"query": WALLET_CHANGED}}))
    return ws


async def next_event(ws: websockets.ClientConnection) -> dict[str, Any]:
    """The next walletChanged result (keep-alives skipped)."""
    async with asyncio.timeout(30):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] in ("next", "data"):
                return message["payload"]["data"]["walletChanged"]  # type: ignore[no-any-return]
            assert message["type"] == "ka", message


async def closed(ws: websockets.ClientConnection) -> tuple[int, float]:
    """(the close code, seconds until it came); what came before it is skipped."""
    started = time.perf_counter()
    async with asyncio.timeout(30):
        try:
            while True:
                await ws.recv()
        except websockets.ConnectionClosed as closing:
            frame = closing.rcvd
    assert frame is not None, "closed without a close frame"
    return frame.code, time.perf_counter() - started


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
@pytest.mark.parametrize("where", ["same process", "other process"])
async def test_log_out_closes_that_sessions_sockets(
    servers: tuple[ServerProcess, ServerProcess],
    open_sockets: list[websockets.ClientConnection],
    subprotocol: str,
    where: str,
) -> None:
    socket_server, mutation_server = servers if where == "other process" else servers[:1] * 2
    alice = await person(socket_server)
    other_session = await another_session(socket_server, alice)
    ws = await wallet_socket(socket_server, alice.access_token, subprotocol, open_sockets)
    stays = await wallet_socket(socket_server, other_session, subprotocol, open_sockets)
    await deposit(mutation_server, alice)
    await next_event(ws)  # both subscriptions are live
    await next_event(stays)

    await call(mutation_server, LOG_OUT, alice.access_token)
    code, seconds = await closed(ws)
    await deposit(mutation_server, Person(alice.id, alice.email, other_session, ""))

    assert code == 4401
    assert seconds < CLOSE_WITHIN_SECONDS
    assert (await next_event(stays))["wallet"]["available"]["amount"] == "2.00"


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
async def test_change_password_closes_every_socket_of_the_person(
    servers: tuple[ServerProcess, ServerProcess],
    open_sockets: list[websockets.ClientConnection],
    subprotocol: str,
) -> None:
    socket_server, mutation_server = servers
    bob = await person(socket_server)
    other_session = await another_session(mutation_server, bob)
    sockets = [
        await wallet_socket(socket_server, token, subprotocol, open_sockets)
        for token in (bob.access_token, other_session)
    ]
    await deposit(mutation_server, bob)
    for ws in sockets:
        await next_event(ws)

    passwords = {"currentPassword": PASSWORD, "newPassword": "a-new-long-password-2"}
    changed = await call(mutation_server, CHANGE_PASSWORD, bob.access_token, i=passwords)
    results = [await closed(ws) for ws in sockets]
    fresh = await wallet_socket(socket_server, changed["accessToken"], subprotocol, open_sockets)
    await deposit(mutation_server, Person(bob.id, bob.email, changed["accessToken"], ""))

    assert [code for code, _ in results] == [4401, 4401]
    assert all(seconds < CLOSE_WITHIN_SECONDS for _, seconds in results)
    assert (await next_event(fresh))["wallet"]["available"]["amount"] == "2.00"


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
async def test_revoking_an_api_key_closes_its_sockets(
    servers: tuple[ServerProcess, ServerProcess],
    open_sockets: list[websockets.ClientConnection],
    subprotocol: str,
) -> None:
    socket_server, mutation_server = servers
    merchant = await person(socket_server, ("MERCHANT",))
    key = await call(mutation_server, CREATE_KEY, merchant.access_token)
    ws = await wallet_socket(socket_server, key["secret"], subprotocol, open_sockets)
    owners = await wallet_socket(socket_server, merchant.access_token, subprotocol, open_sockets)
    await deposit(mutation_server, merchant)
    await next_event(ws)
    await next_event(owners)

    await call(mutation_server, REVOKE_KEY, merchant.access_token, id=key["apiKey"]["id"])
    code, seconds = await closed(ws)
    await deposit(mutation_server, merchant)

    assert code == 4401
    assert seconds < CLOSE_WITHIN_SECONDS
    assert (await next_event(owners))["wallet"]["available"]["amount"] == "2.00"
