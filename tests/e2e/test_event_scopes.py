"""An API key receives an event only with the read scope of its subject (besides events:read):
a bank's key that may not read its loans hears no MATCH_CREATED; with offers:read it does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from gql import gql as parse
from gql.transport.exceptions import TransportQueryError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.events.catalog import EventType
from domain.events.services.outbox import record_event
from support.events import match_payload, wallet_payload
from support.graphql import Person, gql, log_in, signed_in
from support.security import key_of
from support.server import ServerProcess
from support.stores import StoreUrls
from support.subscribers import (
    EVENTS,
    Subscriber,
    published_high_water,
    received,
    sign_up_operator,
    ws_session,
)

MATCH_CREATED = parse("subscription M($after: String) { matchCreated(after: $after) { payload } }")
GRANT = """mutation($id: ID!) { grantRole(participantId: $id, role: PARTNER_BANK) {
    errors { code } } }"""
CREATE_KEY = """mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) {
    secret errors { code message } } }"""


async def bank_keys(
    server: ServerProcess, stores: StoreUrls, *scope_sets: list[str]
) -> tuple[UUID, list[Subscriber]]:
    """A partner bank, and one key of it per scope set (as WebSocket subscribers)."""
    operator = await sign_up_operator(server, stores)
    async with httpx.AsyncClient(base_url=server.url) as client:
        bank = await signed_in(client, roles=["INVESTOR"], kind="BUSINESS")
        granted = await gql(client, GRANT, {"id": bank.id}, token=operator.token)
        assert granted["data"]["grantRole"]["errors"] == [], granted
        token = (await log_in(client, bank.email))["accessToken"]
        keys = []
        for scopes in scope_sets:
            variables = {"i": {"name": "events", "scopes": scopes}}
            made = (await gql(client, CREATE_KEY, variables, token=token))["data"]["createApiKey"]
            assert made["errors"] == [], made
            keys.append(Subscriber(Person(bank.id, bank.email, made["secret"], "")))
    return key_of(bank.id), keys


async def record(
    stores: StoreUrls, event_type: EventType, owner: UUID, payload: dict[str, Any]
) -> None:
    """An event concerning `owner`, recorded as a use case records one; the server's relay
    publishes it."""
    engine = create_async_engine(stores.database_url)
    try:
        async with AsyncSession(engine) as session:
            await record_event(
                session,
                event_type,
                aggregate_type="Loan",
                aggregate_id=uuid4(),
                audience=[owner],
                payload=payload,
                occurred_at=datetime.now(UTC),
            )
            await session.commit()
    finally:
        await engine.dispose()


async def test_a_key_hears_match_created_only_with_offers_read(
    server: ServerProcess, stores: StoreUrls
) -> None:
    bank, (events_only, wallet, offers) = await bank_keys(
        server,
        stores,
        ["EVENTS_READ"],
        ["EVENTS_READ", "WALLET_READ"],
        ["EVENTS_READ", "OFFERS_READ"],
    )
    after = await published_high_water(stores)
    async with (
        ws_session(server, events_only) as events_only_ws,
        ws_session(server, wallet) as wallet_ws,
        ws_session(server, offers) as offers_ws,
    ):
        with pytest.raises(TransportQueryError) as typed:
            await received(events_only_ws, MATCH_CREATED, 1, after=after)
        with pytest.raises(TransportQueryError) as generic:
            await received(events_only_ws, EVENTS, 1, after=after)
        wallet_hears = asyncio.create_task(received(wallet_ws, EVENTS, 1, after=after))
        offers_hear = asyncio.create_task(received(offers_ws, MATCH_CREATED, 1, after=after))
        await record(stores, EventType.MATCH_CREATED, bank, match_payload(30_000))
        await record(stores, EventType.WALLET_CHANGED, bank, wallet_payload(available=500))
        [first_for_wallet_key] = await wallet_hears
        [match] = await offers_hear

    for refused in (typed.value, generic.value):
        assert refused.errors is not None
        assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert "offers:read" in typed.value.errors[0]["message"]  # type: ignore[index]
    # the match, recorded first, was not sent to the key without offers:read
    assert first_for_wallet_key["type"] == "WALLET_CHANGED"
    assert match["payload"]["amount"] == 30_000
