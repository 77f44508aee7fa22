"""Every root field declares who may call it (graph/permissions.py), and the declaration holds.

Read from the built schema, not from a list: a new query, mutation or subscription is covered
the moment it exists. Each field must carry exactly one declaration; the declarations must agree
with the role matrix (test_role_matrix.py); and each field is called by every caller its
declaration refuses (anonymous, a person without the roles, an API key without each scope it
needs, a key of an owner without the roles) with arguments made from the schema's types. Each
call must be refused as the field refuses (UNAUTHENTICATED / FORBIDDEN, or null / [] where a
refusal looks like a missing object) and must change nothing in the database.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette
from strawberry.types.base import StrawberryList
from test_role_matrix import CALLERS, OPERATIONS, PEOPLE

from domain.actors import Actor, ActorKind, Origin
from domain.clock import SystemClock
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import GRANTABLE_ROLES, Role, Scope, grantable_scopes
from domain.participants.secrets import new_api_key, sha256_hex
from domain.participants.services import registration
from domain.participants.tables import ApiKey
from domain.platform import PlatformProfile
from graph.context import Context
from graph.hardening.policy import HardeningPolicy
from graph.permissions import Declared, Permission
from support.graphql import PASSWORD, gql, unique_email
from support.schema_walk import ROOT_FIELDS, SCHEMA, RootField, document, permission_of
from support.security import (
    ANONYMOUS,
    NULL,
    OK,
    Caller,
    key_of,
    running_app,
    sign_in,
)
from support.stores import StoreUrls

ALL_SCOPES = grantable_scopes(frozenset(GRANTABLE_ROLES))
EVERY_ROLE_BUT_OPERATOR = frozenset(GRANTABLE_ROLES)
EMPTY = "EMPTY"  # a list field's refusal: [] (as for a missing object)


def test_every_root_field_declares_exactly_one_permission() -> None:
    counts = {
        str(root): sum(isinstance(e, Declared) for e in root.strawberry_field.extensions)
        for root in ROOT_FIELDS
    }

    assert {name: n for name, n in counts.items() if n != 1} == {}
    assert len(counts) > 100  # queries, mutations and subscriptions all walked


def test_operator_only_fields_never_admit_an_api_key() -> None:
    operators_only = [
        permission_of(r) for r in ROOT_FIELDS if permission_of(r).roles == {Role.OPERATOR}
    ]

    assert operators_only
    assert all(p.key_scopes is None for p in operators_only)


# --- The declarations and the role matrix say the same -------------------------------------

# A merchant's own fee plan (no merchantId) needs the MERCHANT role, anyone else's needs the
# operator: which one depends on the argument, so the use case refuses, not the declaration.
DECIDED_BY_THE_USE_CASE = {"merchantFeePlan(own)"}


def matrix_actor(name: str) -> Actor:
    """The matrix's caller `name` as the actor its requests carry."""
    if name == "anonymous":
        return Actor.anonymous()
    if name == "operator":
        return Actor(ActorKind.PERSON, uuid4(), frozenset({Role.OPERATOR}))
    if name == "merchant_key":  # a MERCHANT's key with payments:read alone
        return Actor(
            ActorKind.API_KEY,
            uuid4(),
            frozenset({Role.MERCHANT}),
            frozenset({Scope.PAYMENTS_READ}),
            api_key_id=uuid4(),
        )
    roles, _, grant = PEOPLE[name]
    held = {Role(r) for r in roles} | ({Role(grant)} if grant else set())
    return Actor(ActorKind.PERSON, uuid4(), frozenset(held))


def edge_outcome(root: RootField, permission: Permission, actor: Actor) -> str | None:
    """What the declaration answers `actor`, in the matrix's words (None: it lets them by)."""
    refused = permission.refusal(actor)
    if refused is None:
        return None
    if permission.looks_missing and root.operation != "mutation":
        return OK if isinstance(root.strawberry_field.type, StrawberryList) else NULL
    return refused.code


def test_the_declarations_agree_with_the_role_matrix() -> None:
    by_name = {r.name: r for r in ROOT_FIELDS if r.operation != "subscription"}
    disagreements = []
    for operation in OPERATIONS:
        root = by_name[operation.field]
        permission = permission_of(root)
        for caller in CALLERS:
            expected = operation.expected[caller]
            declared = edge_outcome(root, permission, matrix_actor(caller))
            refused_by_the_edge = declared is not None
            if refused_by_the_edge and declared != expected:
                disagreements.append((operation.name, caller, f"matrix {expected}", declared))
            # Whom the matrix refuses for who they are, the declaration refuses.
            if (
                not refused_by_the_edge
                and expected in ("UNAUTHENTICATED", "FORBIDDEN")
                and operation.name not in DECIDED_BY_THE_USE_CASE
            ):
                disagreements.append((operation.name, caller, f"matrix {expected}", "lets by"))

    assert disagreements == []


# --- Every refused caller, on every field, through the API -----------------------------------


@dataclass(frozen=True)
class Refused:
    """One caller a field's declaration refuses, and the answer it must get."""

    who: str  # e.g. "a key without offers:write"
    roles: frozenset[Role] | None = None  # None: anonymous
    scopes: frozenset[Scope] | None = None  # None: a person; else an API key's scopes


def refused_callers(permission: Permission) -> list[Refused]:
    """Everyone the declaration turns away, each missing one thing."""
    callers: list[Refused] = []
    if not permission.anyone:
        callers.append(Refused("anonymous"))
    if permission.roles:
        without = frozenset(Role) - permission.roles
        callers.append(Refused(f"a person with every role but {_names(permission.roles)}", without))
    if permission.key_scopes is None:
        callers.append(Refused("a key with every scope", EVERY_ROLE_BUT_OPERATOR, ALL_SCOPES))
        return callers
    for scope in sorted(permission.key_scopes, key=lambda s: s.value):
        callers.append(
            Refused(
                f"a key with every scope but {scope.value}",
                EVERY_ROLE_BUT_OPERATOR,
                ALL_SCOPES - {scope},
            )
        )
    if permission.roles:
        owner = EVERY_ROLE_BUT_OPERATOR - permission.roles
        callers.append(
            Refused(f"a key of an owner without {_names(permission.roles)}", owner, ALL_SCOPES)
        )
    return callers


def _names(roles: frozenset[Role]) -> str:
    return " or ".join(sorted(r.value for r in roles))


def expected_refusal(root: RootField, permission: Permission, caller: Refused) -> str:
    if permission.looks_missing and root.operation != "mutation":
        return EMPTY if isinstance(root.strawberry_field.type, StrawberryList) else NULL
    return "UNAUTHENTICATED" if caller.roles is None else "FORBIDDEN"


@dataclass
class World:
    app: Starlette
    client: httpx.AsyncClient
    people: dict[frozenset[Role], Caller] = field(default_factory=dict)
    keys: dict[tuple[frozenset[Role], frozenset[Scope]], Caller] = field(default_factory=dict)
    tables: list[str] = field(default_factory=list)

    async def caller(self, refused: Refused) -> Caller:
        if refused.roles is None:
            return ANONYMOUS
        person = self.people.get(refused.roles) or await self._person(refused.roles)
        if refused.scopes is None:
            return person
        key = (refused.roles, refused.scopes)
        if key not in self.keys:
            self.keys[key] = await self._key(person, refused.scopes)
        return self.keys[key]

    async def _person(self, roles: frozenset[Role]) -> Caller:
        """A participant holding `roles` (the command line may give any), signed in."""
        services = self.app.state.services
        email = unique_email("declared")
        async with services.stores.sessions() as session:
            await registration.register(
                session=session,
                clock=SystemClock(),
                actor=Actor.system(),
                hasher=services.identity.hasher,
                kind=ParticipantKind.BUSINESS,
                display_name="declared",
                email=email,
                phone=None,
                password=PASSWORD,
                roles=roles,
            )
            await session.commit()
        self.people[roles] = await sign_in(self.app, "person", email)
        return self.people[roles]

    async def _key(self, owner: Caller, scopes: frozenset[Scope]) -> Caller:
        """A live key of `owner` with exactly `scopes`."""
        assert owner.id is not None
        prefix, secret = new_api_key()
        async with self.app.state.services.stores.sessions() as session:
            session.add(
                ApiKey(
                    owner_id=key_of(owner.id),
                    name="declared",
                    prefix=prefix,
                    secret_hash=sha256_hex(secret),
                    scopes=sorted(s.value for s in scopes),
                    created_at=SystemClock().now(),
                )
            )
            await session.commit()
        return Caller("key", secret, owner.id, owner.email)

    async def fingerprint(self) -> dict[str, str]:
        """Each table's rows, hashed: any insert, update or delete changes it. A key's
        last use is the one column that reading with it may touch."""
        columns = ", ".join(
            f"(SELECT md5(coalesce(string_agg((to_jsonb(t) - 'last_used_at')::text, ',' "
            f"ORDER BY (to_jsonb(t) - 'last_used_at')::text), '')) FROM \"{table}\" t)"
            for table in self.tables
        )
        async with self.app.state.services.stores.sessions() as session:
            row = (await (await session.connection()).execute(text(f"SELECT {columns}"))).one()
        return dict(zip(self.tables, row, strict=True))

    async def subscribe(self, query: str, variables: dict[str, object], caller: Caller) -> Any:
        """The first result of a subscription, run on the schema as a WebSocket runs it."""
        services = self.app.state.services
        authorization = f"Bearer {caller.token}" if caller.token else None
        context = Context(
            request=None,
            response=None,
            clock=SystemClock(),  # type: ignore[arg-type]
            platform=PlatformProfile("Agora", "test", "CNY"),
            actor=await services.authenticator.actor_for(authorization, Origin()),
            db=services.stores.sessions,
            identity=services.identity,
            hardening=HardeningPolicy(),
            rail=services.rail,
            rate_limits=self.app.state.rate_limits,
            events=self.app.state.events,
            transfers=services.transfers,
            pledges=services.pledges,
        )
        stream = await SCHEMA.subscribe(query, variables, context_value=context)
        if not hasattr(stream, "__aiter__"):
            return stream  # refused before the stream began
        try:
            return await anext(stream)
        finally:
            await stream.aclose()


@pytest.fixture(scope="module")
async def world(stores: StoreUrls) -> AsyncIterator[World]:
    async with running_app(stores) as (app, client):
        w = World(app, client)
        async with app.state.services.stores.sessions() as session:
            names = await (await session.connection()).execute(
                text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
                )
            )
            w.tables = [name for (name,) in names]
        yield w


def _answer(root: RootField, body: dict[str, Any]) -> str:
    """What came back, in the words of expected_refusal; with anything else, the body."""
    errors = body.get("errors") or []
    value = (body.get("data") or {}).get(root.name)
    if root.operation == "mutation" and isinstance(value, dict):
        codes = [e["code"] for e in value["errors"]]
        written = {k: v for k, v in value.items() if k != "errors" and v not in (None, False, [])}
        return codes[0] if len(codes) == 1 and not written and not errors else json.dumps(body)
    if errors:
        codes = [e.get("extensions", {}).get("code") for e in errors]
        return str(codes[0]) if len(codes) == 1 and value is None else json.dumps(body)
    if value is None:
        return NULL
    return EMPTY if value == [] else json.dumps(body)


CASES = [
    pytest.param(root, id=str(root)) for root in ROOT_FIELDS if refused_callers(permission_of(root))
]


@pytest.mark.parametrize("root", CASES)
async def test_every_caller_a_field_refuses_is_refused_and_nothing_changes(
    world: World, root: RootField
) -> None:
    permission = permission_of(root)
    query, variables = document(root)
    callers = [(refused, await world.caller(refused)) for refused in refused_callers(permission)]
    before = await world.fingerprint()

    answers = {}
    for refused, caller in callers:
        if root.operation == "subscription":
            result = await world.subscribe(query, variables, caller)
            body = {"data": result.data, "errors": [e.formatted for e in result.errors or []]}
        else:
            body = await gql(world.client, query, variables, token=caller.token)
        answers[refused.who] = _answer(root, body)

    expected = {refused.who: expected_refusal(root, permission, refused) for refused, _ in callers}
    assert answers == expected, query
    after = await world.fingerprint()
    assert {t for t in world.tables if before[t] != after[t]} == set()
