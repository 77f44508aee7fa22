"""Subscriptions to events over real WebSockets, against real `agora serve` processes.

Each listener subscribes after the cursor of the last published event: whether its money
moves before or after the server registered the subscription, it receives it (replayed or
live), which is what a returning app does too.
"""

from __future__ import annotations

import asyncio

import pytest
from gql.transport.exceptions import TransportQueryError

from support.server import ServerProcess
from support.stores import StoreUrls
from support.subscribers import (
    EVENTS,
    LEGACY_WS,
    TRANSPORT_WS,
    WALLET_CHANGED,
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
