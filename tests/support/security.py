"""Security tests' world: one app per test module, callers of every kind, and how to read answers.

Callers are made through the use cases (as `agora create-operator` and the sign-up form make
them), so a module sets up in well under a second and no HTTP rate limit counts the setup.
"""

from __future__ import annotations

import base64
import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import redis.asyncio as redis
from sqlalchemy import text
from starlette.applications import Starlette

from api.app import create_app
from domain.actors import Actor
from domain.clock import SystemClock
from domain.participants.credentials import ParticipantKind
from domain.participants.identity_numbers import resident_id_check_char
from domain.participants.roles import SELF_SERVICE_ROLES, Role
from domain.participants.secrets import new_api_key, sha256_hex
from domain.participants.services import registration, sessions
from domain.participants.tables import ApiKey
from domain.webhooks.signature import new_secret
from domain.webhooks.tables import WebhookDelivery, WebhookEndpoint
from support.graphql import PASSWORD, gql, unique_email
from support.stores import StoreUrls, make_settings, truncate_all

OK = "OK"  # no error, and the field has a value
NULL = "NULL"  # no error, and the field is null: "nothing there, or not yours"
# Strings no answer may hold: stack traces, file paths, driver and SQL text.
LEAKS = ("Traceback", 'File "/', "sqlalchemy", "asyncpg", "psycopg", "SELECT ")


@dataclass(frozen=True)
class Caller:
    """Who sends a request: `token` is an access token, an API key, or None (anonymous)."""

    name: str
    token: str | None = None
    id: str | None = None  # the participant's global id
    email: str | None = None


ANONYMOUS = Caller("anonymous")


def global_id(type_name: str, key: object) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode()


def missing_id(type_name: str) -> str:
    """The global id of an object of `type_name` that does not exist."""
    return global_id(type_name, uuid.uuid4())


def key_of(global_id_: str) -> uuid.UUID:
    return uuid.UUID(base64.urlsafe_b64decode(global_id_).decode().partition(":")[2])


def outcome(body: dict[str, Any], field: str) -> str:
    """OK, NULL, or the code that refused: a top-level error's, else the payload's first."""
    if body.get("errors"):
        return str(body["errors"][0].get("extensions", {}).get("code", "NO_CODE"))
    value = body["data"][field]
    if value is None:
        return NULL
    if isinstance(value, dict) and value.get("errors"):
        return str(value["errors"][0]["code"])
    return OK


@asynccontextmanager
async def running_app(
    stores: StoreUrls, **settings: object
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """A fresh app over emptied stores, and a client that talks to it in-process.

    Rate limits are off unless asked for: these tests send hundreds of requests a minute
    from one address, and what they check is who may do what, not how often."""
    await truncate_all(stores.database_url)
    store = redis.Redis.from_url(stores.redis_url)
    try:
        await store.flushdb()
    finally:
        await store.aclose()
    application = create_app(make_settings(stores, **{"rate_limits_enabled": False, **settings}))
    async with application.router.lifespan_context(application):
        # An exception the app lets out reaches the client as a 500, as behind a real server.
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://agora.test") as client:
            yield application, client


async def create_person(
    app: Starlette,
    name: str,
    *,
    roles: list[str],
    kind: str = "PERSON",
    phone: str | None = None,
) -> Caller:
    """A participant signed up with `roles` and signed in (roles only an operator grants, such
    as OPERATOR, the command line's way)."""
    services = app.state.services
    email = unique_email(name.lower())
    operator = not {Role(r) for r in roles} <= SELF_SERVICE_ROLES
    async with services.stores.sessions() as session:
        await registration.register(
            session=session,
            clock=SystemClock(),
            actor=Actor.system() if operator else Actor.anonymous(),
            hasher=services.identity.hasher,
            kind=ParticipantKind(kind),
            display_name=name,
            email=email,
            phone=phone,
            password=PASSWORD,
            roles=frozenset(Role(r) for r in roles),
        )
        await session.commit()
    return await sign_in(app, name, email)


async def sign_in(app: Starlette, name: str, email: str) -> Caller:
    """A new session (access token) for the participant with `email`."""
    services = app.state.services
    async with services.stores.sessions() as session:
        signed_in = await sessions.log_in(
            session=session,
            clock=SystemClock(),
            actor=Actor.anonymous(),
            identity=services.identity,
            login=email,
            password=PASSWORD,
        )
        await session.commit()
    participant_id = global_id("Participant", signed_in.participant.id)
    return Caller(name, signed_in.access.token, participant_id, email)


async def refresh_token_of(app: Starlette, email: str) -> str:
    services = app.state.services
    async with services.stores.sessions() as session:
        signed_in = await sessions.log_in(
            session=session,
            clock=SystemClock(),
            actor=Actor.anonymous(),
            identity=services.identity,
            login=email,
            password=PASSWORD,
        )
        await session.commit()
    return signed_in.refresh_token


GRANT = """
mutation Grant($id: ID!, $role: Role!) {
  grantRole(participantId: $id, role: $role) { participant { roles } errors { code } }
}
"""
CREATE_KEY = """
mutation CreateKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { apiKey { id } secret errors { code field message } }
}
"""
SUBMIT_KYC = """
mutation SubmitKyc($input: SubmitKycInput!) {
  submitKyc(input: $input) { submission { id status } errors { code field message } }
}
"""


async def granted(
    app: Starlette, client: httpx.AsyncClient, operator: Caller, person: Caller, role: str
) -> Caller:
    """`person` after the operator grants `role`, signed in again (roles ride in the token)."""
    body = await gql(client, GRANT, {"id": person.id, "role": role}, token=operator.token)
    assert body["data"]["grantRole"]["errors"] == [], body
    assert person.email is not None
    return await sign_in(app, person.name, person.email)


async def create_key(
    client: httpx.AsyncClient, owner: Caller, scopes: list[str], name: str = "machine"
) -> tuple[str, str]:
    """(the key's global id, the secret) of a new key of `owner`."""
    variables = {"input": {"name": name, "scopes": scopes}}
    payload = (await gql(client, CREATE_KEY, variables, token=owner.token))["data"]["createApiKey"]
    assert payload["errors"] == [], payload
    return payload["apiKey"]["id"], payload["secret"]


async def insert_api_key(app: Starlette, owner: Caller) -> str:
    """A live key of `owner`, whatever its roles (for rules that are about owning a key)."""
    assert owner.id is not None
    prefix, secret = new_api_key()
    async with app.state.services.stores.sessions() as session:
        row = ApiKey(
            owner_id=key_of(owner.id),
            name="inserted",
            prefix=prefix,
            secret_hash=sha256_hex(secret),
            scopes=["profile:read"],
            created_at=SystemClock().now(),
        )
        session.add(row)
        await session.commit()
        return global_id("ApiKey", row.id)


async def set_kyc_level(app: Starlette, person: Caller, level: int) -> None:
    """`person` verified to `level`, as an operator's KYC decision would leave them."""
    assert person.id is not None
    async with app.state.services.stores.sessions() as session:
        await (await session.connection()).execute(
            text("UPDATE participant SET kyc_level = :level WHERE id = :id"),
            {"level": level, "id": key_of(person.id)},
        )
        await session.commit()


async def insert_webhook_endpoint(app: Starlette, owner: Caller) -> str:
    """An enabled webhook endpoint of `owner`, whatever its roles and scopes."""
    assert owner.id is not None
    now = SystemClock().now()
    async with app.state.services.stores.sessions() as session:
        row = WebhookEndpoint(
            owner_id=key_of(owner.id),
            url="https://hooks.example.com/inserted",
            event_types=[],
            secret_sealed=app.state.services.identity.vault.seal(new_secret()),
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.commit()
        return global_id("WebhookEndpoint", row.id)


async def insert_webhook_delivery(app: Starlette, owner: Caller, endpoint_id: str) -> str:
    """A delivered message to `owner`'s endpoint, as the worker would have logged it."""
    assert owner.id is not None
    now = SystemClock().now()
    async with app.state.services.stores.sessions() as session:
        row = WebhookDelivery(
            endpoint_id=key_of(endpoint_id),
            owner_id=key_of(owner.id),
            event_id=1,
            event_position=1,
            event_type="wallet.changed",
            message_id="evt_1",
            body="{}",
            status="SUCCEEDED",
            attempts=1,
            created_at=now,
            completed_at=now,
        )
        session.add(row)
        await session.commit()
        return global_id("WebhookDelivery", row.id)


def resident_id(serial: int) -> str:
    """A valid resident ID number (born 1990-03-07), distinct for each `serial` < 1000."""
    first_17 = f"11010519900307{serial:03d}"
    return first_17 + resident_id_check_char(first_17)


_RESIDENT_IDS = itertools.count()


def unique_resident_id() -> str:
    """A valid resident ID number no other call in this process returns (born from 1991 on,
    apart from `resident_id`'s): KYC refuses a number verified on another account, and the
    end-to-end suite's stores keep every account of the session."""
    n = next(_RESIDENT_IDS)
    born = date(1991, 1, 1) + timedelta(days=n // 900)
    first_17 = f"110105{born:%Y%m%d}{100 + n % 900:03d}"
    return first_17 + resident_id_check_char(first_17)


async def submit_kyc(
    client: httpx.AsyncClient, person: Caller, serial: int, *, business_licence: str = ""
) -> str:
    """The global id of `person`'s new, pending KYC submission (a resident ID, or the
    business licence given)."""
    document = {
        "documentType": "BUSINESS_LICENSE" if business_licence else "RESIDENT_ID",
        "legalName": "张三",
        "documentNumber": business_licence or resident_id(serial),
    }
    payload = (await gql(client, SUBMIT_KYC, {"input": document}, token=person.token))["data"][
        "submitKyc"
    ]
    assert payload["errors"] == [], payload
    assert payload["submission"]["status"] == "PENDING", payload
    return str(payload["submission"]["id"])
