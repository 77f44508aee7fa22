"""Declared permissions: whom each kind of declaration lets by, and declarations that make no
sense are refused when the schema is written, not when a request comes."""

from __future__ import annotations

from uuid import uuid4

import pytest
import strawberry

from domain.actors import Actor, ActorKind
from domain.participants.roles import Role, Scope
from graph.permissions import ANY_KEY, ANYONE, SIGNED_IN, Permission, allow, declaration_of

PERSON = Actor(ActorKind.PERSON, uuid4(), frozenset({Role.INVESTOR}))
OPERATOR = Actor(ActorKind.PERSON, uuid4(), frozenset({Role.OPERATOR}))


def key(*scopes: Scope, roles: frozenset[Role] = frozenset({Role.PARTNER_BANK})) -> Actor:
    return Actor(ActorKind.API_KEY, uuid4(), roles, frozenset(scopes), api_key_id=uuid4())


def code(permission: Permission, actor: Actor) -> str | None:
    refused = permission.refusal(actor)
    return None if refused is None else refused.code


def test_anyone_means_anonymous_callers_and_every_key() -> None:
    public = allow(ANYONE)

    assert [code(public, a) for a in (Actor.anonymous(), PERSON, key())] == [None] * 3
    assert public.checks_nothing


def test_anyone_may_still_ask_keys_for_a_scope() -> None:
    me = allow(ANYONE, key=Scope.PROFILE_READ)

    assert code(me, Actor.anonymous()) is None
    assert code(me, key(Scope.PROFILE_READ)) is None
    assert code(me, key(Scope.WALLET_READ)) == "FORBIDDEN"


def test_signed_in_without_a_key_scope_is_people_only() -> None:
    people = allow(SIGNED_IN)

    assert code(people, Actor.anonymous()) == "UNAUTHENTICATED"
    assert code(people, PERSON) is None
    assert code(people, key(*Scope)) == "FORBIDDEN"  # every scope there is: still no key


def test_roles_and_scopes_each_must_be_held() -> None:
    banks = allow(Role.PARTNER_BANK, key={Scope.OFFERS_READ, Scope.EVENTS_READ})

    assert code(banks, PERSON) == "FORBIDDEN"
    assert code(banks, Actor(ActorKind.PERSON, uuid4(), frozenset({Role.PARTNER_BANK}))) is None
    assert code(banks, key(Scope.OFFERS_READ, Scope.EVENTS_READ)) is None
    assert code(banks, key(Scope.OFFERS_READ)) == "FORBIDDEN"
    assert code(banks, key(Scope.OFFERS_READ, Scope.EVENTS_READ, roles=frozenset())) == "FORBIDDEN"


def test_any_key_needs_no_scope_but_a_signed_in_owner() -> None:
    market = allow(SIGNED_IN, key=ANY_KEY)

    assert code(market, key()) is None
    assert code(market, Actor.anonymous()) == "UNAUTHENTICATED"


def test_operators_only_and_the_platform_itself() -> None:
    operators = allow(Role.OPERATOR)

    assert code(operators, OPERATOR) is None
    assert code(operators, Actor.system()) is None
    assert code(operators, PERSON) == "FORBIDDEN"
    assert code(operators, Actor.anonymous()) == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "declare",
    [
        lambda: allow(),
        lambda: allow(ANYONE, SIGNED_IN),
        lambda: allow(SIGNED_IN, Role.INVESTOR),
        lambda: allow(Role.OPERATOR, key=Scope.WALLET_READ),
        lambda: allow(SIGNED_IN, key=[]),
    ],
    ids=["nobody", "anyone and signed in", "signed in and a role", "operator key", "no scopes"],
)
def test_declarations_that_make_no_sense_are_refused(declare) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError):
        declare()


def test_a_field_declares_once() -> None:
    field = allow(SIGNED_IN)(strawberry.field(resolver=lambda: 1))

    with pytest.raises(TypeError):
        allow(ANYONE)(field)
    assert declaration_of(field) == allow(SIGNED_IN)


def test_only_a_nullable_or_list_field_may_look_missing() -> None:
    @strawberry.type
    class Query:
        @allow(SIGNED_IN, looks_missing=True)
        @strawberry.field
        def count(self) -> int:
            return 1

    with pytest.raises(TypeError, match="look missing"):
        strawberry.Schema(query=Query)
