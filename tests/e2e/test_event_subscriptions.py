"""Subscriptions to events over real WebSockets, against real `agora serve` processes.

Each listener subscribes after the cursor of the last published event: whether its money
moves before or after the server registered the subscription, it receives it (replayed or
live), which is what a returning app does too.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import websockets
from gql.transport.exceptions import TransportQueryError

from support.server import ServerProcess
from support.stores import StoreUrls
from support.subscribers import (
    EVENTS,
    LEGACY_WS,
    TRANSPORT_WS,
    WALLET_CHANGED,
    Subscriber,
    deposit,
    published_high_water,
    received,
    sign_up,
    sign_up_operator,
    ws_session,
)


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
async def test_wallet_changed_reaches_the_owner(
    server: ServerProcess, stores: StoreUrls, subprotocol: str
) -> None:
    alice = await sign_up(server)
    async with ws_session(server, alice, subprotocol) as session:
        after = await published_high_water(stores)
        listening = asyncio.create_task(received(session, WALLET_CHANGED, 1, after=after))
        journal = await deposit(server, alice, "25.50")
        [event] = await listening

    assert event["wallet"] == {
        "currency": "CNY",
        "available": {"amount": "25.50", "currency": "CNY"},
        "held": {"amount": "0.00"},
        "total": {"amount": "25.50"},
    }
    assert event["journalId"] == journal
    assert event["reason"] == "DEPOSIT"
    assert int(event["cursor"]) > int(after)


async def test_a_returning_client_receives_exactly_what_it_missed(
    server: ServerProcess, stores: StoreUrls
) -> None:
    alice = await sign_up(server)
    async with ws_session(server, alice) as session:
        after = await published_high_water(stores)
        listening = asyncio.create_task(received(session, WALLET_CHANGED, 1, after=after))
        await deposit(server, alice, "1.00")
        [last_seen] = await listening
    # Disconnected: three deposits happen.
    for amount in ("2.00", "3.00", "4.00"):
        await deposit(server, alice, amount)

    async with ws_session(server, alice, LEGACY_WS) as session:
        resumed = asyncio.create_task(
            received(session, WALLET_CHANGED, 4, after=last_seen["cursor"])
        )
        await asyncio.sleep(0.5)  # the three are replayed; then one more, live
        await deposit(server, alice, "5.00")
        events = await resumed

    balances = [e["wallet"]["available"]["amount"] for e in events]
    assert balances == ["3.00", "6.00", "10.00", "15.00"]  # those three in order, once, then live
    cursors = [int(e["cursor"]) for e in events]
    assert cursors == sorted(set(cursors))
    assert cursors[0] > int(last_seen["cursor"])


async def test_nobody_receives_another_participants_events_and_operators_see_all(
    server: ServerProcess, stores: StoreUrls
) -> None:
    alice, bob = await sign_up(server), await sign_up(server)
    operator = await sign_up_operator(server, stores)
    after = await published_high_water(stores)
    wallet_only = {"types": ["WALLET_CHANGED"], "after": after}
    async with (
        ws_session(server, alice) as alice_ws,
        ws_session(server, bob) as bob_ws,
        ws_session(server, operator) as operator_ws,
    ):
        alice_hears = asyncio.create_task(received(alice_ws, EVENTS, 2, **wallet_only))
        bob_hears = asyncio.create_task(received(bob_ws, EVENTS, 1, **wallet_only))
        operator_hears = asyncio.create_task(received(operator_ws, EVENTS, 3, **wallet_only))
        await deposit(server, alice, "7.00")
        await deposit(server, bob, "8.00")
        await deposit(server, alice, "9.00")
        alice_got, bob_got, operator_got = await asyncio.gather(
            alice_hears, bob_hears, operator_hears
        )
        # Bob's next event is his own, not Alice's second.
        bob_next = asyncio.create_task(received(bob_ws, EVENTS, 1, after=bob_got[0]["cursor"]))
        await deposit(server, bob, "1.00")
        [bob_then] = await bob_next

    assert [e["payload"]["available"] for e in alice_got] == [700, 1600]
    assert [e["payload"]["available"] for e in bob_got] == [800]
    assert bob_then["payload"]["available"] == 900
    assert [e["payload"]["available"] for e in operator_got] == [700, 800, 1600]
    assert {e["type"] for e in operator_got} == {"WALLET_CHANGED"}
    assert all(e["aggregateType"] == "Wallet" and e["version"] == 1 for e in operator_got)


async def test_anonymous_callers_cannot_subscribe(server: ServerProcess) -> None:
    async with ws_session(server, None) as session:
        with pytest.raises(TransportQueryError) as refused:
            await received(session, WALLET_CHANGED, 1)

    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_malformed_or_expired_cursor_is_a_clear_error(server: ServerProcess) -> None:
    alice = await sign_up(server)
    async with ws_session(server, alice) as session:
        with pytest.raises(TransportQueryError) as malformed:
            await received(session, WALLET_CHANGED, 1, after="yesterday")
        with pytest.raises(TransportQueryError) as expired:
            await received(session, WALLET_CHANGED, 1, after=str(10**15))

    assert malformed.value.errors is not None
    assert expired.value.errors is not None
    assert malformed.value.errors[0]["extensions"] == {"code": "INVALID_INPUT", "field": "after"}
    assert expired.value.errors[0]["extensions"]["code"] == "CURSOR_EXPIRED"
    assert "refetch" in expired.value.errors[0]["message"]


async def test_an_event_made_through_one_process_reaches_a_subscriber_of_another(
    server: ServerProcess, other_server: ServerProcess, stores: StoreUrls
) -> None:
    alice = await sign_up(other_server)
    async with ws_session(server, alice) as session:
        after = await published_high_water(stores)
        listening = asyncio.create_task(received(session, WALLET_CHANGED, 1, after=after))
        journal = await deposit(other_server, alice, "42.00")  # process B
        [event] = await listening  # process A

    assert event["journalId"] == journal
    assert event["wallet"]["available"]["amount"] == "42.00"


SAME_QUESTION = (
    "subscription W($after: String) { walletChanged(after: $after) "
    "{ cursor journalId wallet { available { amount } } } }"
)


async def test_subscribers_asking_the_same_question_get_one_answer_with_their_own_ids(
    server: ServerProcess, stores: StoreUrls
) -> None:
    """Shared results (graph/events/sharing.py): the owner on two subscriptions and an
    operator receive the same `next`, each under its own id; another person nothing."""
    alice, bob = await sign_up(server), await sign_up(server)
    operator = await sign_up_operator(server, stores)
    after = await published_high_water(stores)
    async with (
        raw_socket(server, alice) as alice_ws,
        raw_socket(server, bob) as bob_ws,
        raw_socket(server, operator) as operator_ws,
    ):
        for ws, ids in ((alice_ws, ("a", "a2")), (bob_ws, ("b",)), (operator_ws, ("o",))):
            for operation_id in ids:
                await ws.send(subscribe(operation_id, SAME_QUESTION, after=after))
        journal = await deposit(server, alice, "4.20")
        alice_got = [await next_message(alice_ws), await next_message(alice_ws)]
        operator_got = await next_message(operator_ws)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(1):
                await bob_ws.recv()

    assert sorted(m["id"] for m in alice_got) == ["a", "a2"]
    assert operator_got["id"] == "o"
    payloads = [m["payload"] for m in [*alice_got, operator_got]]
    assert payloads[0] == payloads[1] == payloads[2]
    event = payloads[0]["data"]["walletChanged"]
    assert event["journalId"] == journal
    assert event["wallet"] == {"available": {"amount": "4.20"}}


def subscribe(operation_id: str, query: str, **variables: object) -> str:
    message = {"id": operation_id, "type": "subscribe", "payload": {"query": query}}
    message["payload"]["variables"] = variables  # type: ignore[index]
    return json.dumps(message)


async def next_message(ws: websockets.ClientConnection) -> dict[str, object]:
    async with asyncio.timeout(15):
        message: dict[str, object] = json.loads(await ws.recv())
    assert message["type"] == "next", message
    return message


@asynccontextmanager
async def raw_socket(
    server: ServerProcess, who: Subscriber
) -> AsyncIterator[websockets.ClientConnection]:
    async with websockets.connect(server.ws_url, subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {who.token}"}}
            )
        )
        ack = json.loads(await ws.recv())
        assert ack["type"] == "connection_ack", ack
        yield ws
