"""Clients of the event subscriptions: signed-in people, deposits, and gql sessions."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from gql import Client, gql
from gql.client import AsyncClientSession
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from support.factories import make_operator
from support.graphql import Person, log_in, signed_in
from support.graphql import gql as post
from support.security import key_of
from support.server import ServerProcess
from support.stores import StoreUrls

TRANSPORT_WS = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL  # graphql-transport-ws
LEGACY_WS = WebsocketsTransport.APOLLO_SUBPROTOCOL  # graphql-ws
DEPOSIT = """mutation D($input: RailInput!, $key: String!) {
  deposit(input: $input, idempotencyKey: $key) { status journalId errors { code } } }"""
WALLET_CHANGED = gql("""
subscription W($after: String) {
  walletChanged(after: $after) {
    cursor occurredAt journalId reason
    wallet { currency available { amount currency } held { amount } total { amount } }
  }
}""")
EVENTS = gql("""
subscription E($types: [EventType!], $after: String) {
  events(types: $types, after: $after) {
    cursor type occurredAt correlationId aggregateType aggregateId version payload
  }
}""")
_keys = itertools.count(1)


@dataclass
class Subscriber:
    person: Person

    @property
    def participant(self) -> str:
        return str(key_of(self.person.id))

    @property
    def token(self) -> str:
        return self.person.access_token


async def sign_up(server: ServerProcess, roles: tuple[str, ...] = ("INVESTOR",)) -> Subscriber:
    async with httpx.AsyncClient(base_url=server.url) as http:
        return Subscriber(await signed_in(http, roles=list(roles)))


async def sign_up_operator(server: ServerProcess, stores: StoreUrls) -> Subscriber:
    email = await make_operator(stores, stem="events-operator")
    async with httpx.AsyncClient(base_url=server.url) as http:
        tokens = await log_in(http, email)
    person = Person(tokens["participant"]["id"], email, tokens["accessToken"], "")
    return Subscriber(person)


async def deposit(server: ServerProcess, who: Subscriber, amount: str) -> str:
    """Deposit `amount` CNY over HTTP; the journal id."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        body = await post(
            http,
            DEPOSIT,
            {"input": {"amount": amount, "currency": "CNY"}, "key": f"events-{next(_keys)}"},
            token=who.token,
        )
    answer = body["data"]["deposit"]
    assert answer["errors"] == [], answer
    return str(answer["journalId"])


async def published_high_water(stores: StoreUrls) -> str:
    """The cursor of the last published event: subscribing after it misses nothing new,
    whether an event arrives before or after the subscription is registered."""
    engine = create_async_engine(stores.database_url)
    try:
        async with engine.connect() as conn:
            last = await conn.scalar(
                text(
                    "SELECT coalesce(max(position), 0) FROM outbox_event"
                    " WHERE published_at IS NOT NULL"
                )
            )
    finally:
        await engine.dispose()
    return str(last)


@asynccontextmanager
async def ws_session(
    server: ServerProcess, who: Subscriber | None, subprotocol: str = TRANSPORT_WS
) -> AsyncIterator[AsyncClientSession]:
    payload = {"authorization": f"Bearer {who.token}"} if who else {}
    transport = WebsocketsTransport(
        url=server.ws_url, subprotocols=[subprotocol], init_payload=payload
    )
    async with Client(transport=transport) as session:
        yield session


async def received(
    session: AsyncClientSession, document: Any, n: int, within: float = 15, **variables: Any
) -> list[dict[str, Any]]:
    """The first `n` results of a subscription (each result's root field)."""
    results: list[dict[str, Any]] = []
    async with asyncio.timeout(within):
        async for result in session.subscribe(document, variable_values=variables):
            results.append(next(iter(result.values())))
            if len(results) == n:
                break
    return results
