"""Who may call each root field: declared above the resolver, checked before it runs.

    @allow(Role.PARTNER_BANK, key=Scope.OFFERS_WRITE)
    @strawberry.mutation(description="Partner banks: a new funding offer.")
    async def create_funding_offer(...)

A declaration names who may call the field at all: ANYONE (anonymous callers included, and API
keys unless `key=` names the scopes they need), SIGNED_IN (any participant), or holders of one
of the given roles (Role.OPERATOR: operators only). For SIGNED_IN and roles, API keys are
refused unless the declaration names the scope (or scopes, all needed) a key must carry, or
says ANY_KEY: a field nobody thought about is closed to keys. A refused call does nothing: a
mutation answers in its payload's `errors` (UNAUTHENTICATED or FORBIDDEN), a query or
subscription with that error, and a field declared `looks_missing` answers as for a missing
object (null, or an empty list).

This is the edge check; the use cases still check every object (they are the real guard).
Checking costs a few attribute reads and one set test per root field: no I/O.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from inspect import isawaitable
from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from strawberry.types.field import StrawberryField

from domain.actors import Actor, ActorKind, Forbidden, Unauthenticated
from domain.errors import DomainError
from domain.participants.roles import Role, Scope
from graph.errors import user_errors


class Audience(Enum):
    ANYONE = "anyone"  # anonymous callers and API keys included: nothing to check
    SIGNED_IN = "signed in"  # any participant (people; keys as `key=` says)


ANYONE = Audience.ANYONE
SIGNED_IN = Audience.SIGNED_IN


class AnyKey(Enum):
    ANY_KEY = "any key"  # every live API key, whatever its scopes


ANY_KEY = AnyKey.ANY_KEY


@dataclass(frozen=True, slots=True)
class Permission:
    """Who may call one field; `refusal` says why `actor` may not (None: they may)."""

    anyone: bool  # anonymous callers too
    roles: frozenset[Role]  # empty: any participant; else a holder of one of them
    key_scopes: frozenset[Scope] | None  # None: no API key; empty: any key; else all of them
    looks_missing: bool  # a refusal answers as for a missing object (null, [])

    @property
    def checks_nothing(self) -> bool:
        return self.anyone and self.key_scopes == frozenset()

    def refusal(self, actor: Actor) -> DomainError | None:
        if actor.participant_id is None:
            if self.anyone or actor.kind is ActorKind.SYSTEM:
                return None
            return Unauthenticated("sign in first")
        if actor.kind is ActorKind.API_KEY:
            if self.key_scopes is None:
                return Forbidden("only a signed-in person may do this, not an API key")
            if not self.key_scopes <= actor.scopes:
                missing = ", ".join(sorted(s.value for s in self.key_scopes - actor.scopes))
                return Forbidden(f"this API key lacks the {missing} scope")
        if self.roles and self.roles.isdisjoint(actor.roles):
            needed = " or ".join(sorted(r.value for r in self.roles))
            return Forbidden(f"requires the {needed} role")
        return None

    def __call__(self, field: StrawberryField) -> StrawberryField:
        """Attach to a field made by strawberry.field / mutation / subscription."""
        if not isinstance(field, StrawberryField):
            raise TypeError("@allow(...) goes above @strawberry.field/mutation/subscription")
        if declaration_of(field) is not None:
            raise TypeError(f"{field.python_name} already declares who may call it")
        field.extensions.append(Declared(self) if self.checks_nothing else Checked(self))
        return field


def allow(
    *who: Audience | Role,
    key: Scope | Iterable[Scope] | AnyKey | None = None,
    looks_missing: bool = False,
) -> Permission:
    """Who may call the field: ANYONE, SIGNED_IN, or holders of any of the given roles; and
    for API keys the scope (or scopes, all needed) a key must carry, or ANY_KEY.

    Without `key`, API keys are refused, except by ANYONE fields: what anonymous callers may
    do, a key may do as well (unless `key` names the scopes it needs)."""
    anyone, signed_in = ANYONE in who, SIGNED_IN in who
    roles = frozenset(w for w in who if isinstance(w, Role))
    if anyone + signed_in + bool(roles) != 1:
        raise TypeError("say allow(ANYONE), allow(SIGNED_IN) or allow(Role.X, Role.Y, ...)")
    scopes: frozenset[Scope] | None
    if key is ANY_KEY or (key is None and anyone):
        scopes = frozenset()
    elif key is None:
        scopes = None
    else:
        scopes = frozenset({key}) if isinstance(key, Scope) else frozenset(key)
        if not scopes:
            raise TypeError("name the scopes a key needs, or say ANY_KEY")
    if roles == {Role.OPERATOR} and scopes is not None:
        raise TypeError("operators never act through API keys")
    return Permission(anyone=anyone, roles=roles, key_scopes=scopes, looks_missing=looks_missing)


def declaration_of(field: StrawberryField) -> Permission | None:
    """The field's declared permission (None if it has none)."""
    declared = [e.permission for e in field.extensions if isinstance(e, Declared)]
    if len(declared) > 1:
        raise TypeError(f"{field.python_name} declares {len(declared)} permissions")
    return declared[0] if declared else None


class Declared(FieldExtension):
    """A field's permission, readable from the schema. Alone (ANYONE, any key) it checks
    nothing and costs nothing per call; Checked does the checking."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission


class Checked(Declared):
    """Refuses, before the resolver runs, callers the permission does not admit."""

    refuse: Callable[[DomainError], Any]

    def apply(self, field: StrawberryField) -> None:
        self.refuse = _refusal_shape(field, self.permission)

    # Positional only (hence the ignores): a resolver may have an argument named `source`.
    def resolve(  # type: ignore[override]
        self, next_: Callable[..., Any], source: Any, info: Any, /, **kwargs: Any
    ) -> Any:
        error = self.permission.refusal(info.context.actor)
        if error is None:
            return next_(source, info, **kwargs)
        return self.refuse(error)

    async def resolve_async(  # type: ignore[override]
        self, next_: Callable[..., Any], source: Any, info: Any, /, **kwargs: Any
    ) -> Any:
        error = self.permission.refusal(info.context.actor)
        if error is not None:
            return self.refuse(error)
        result = next_(source, info, **kwargs)
        # A subscription's resolver gives a stream, not something to await.
        return await result if isawaitable(result) else result


def _refusal_shape(field: StrawberryField, permission: Permission) -> Callable[[DomainError], Any]:
    """How a refusal looks for this field, as its resolver would answer it."""
    if field.is_subscription:
        return _refused_stream
    field_type = field.type
    if has_object_definition(field_type) and any(
        f.python_name == "errors" for f in field_type.__strawberry_definition__.fields
    ):
        payload: Any = field_type
        return lambda error: payload(errors=user_errors(error))
    if permission.looks_missing:
        if isinstance(field_type, StrawberryList):
            return lambda error: []
        if isinstance(field_type, StrawberryOptional):
            return lambda error: None
        raise TypeError(f"{field.python_name}: only a nullable or list field can look missing")
    return _raise


def _raise(error: DomainError) -> Any:
    raise error


async def _refused_stream(error: DomainError) -> AsyncGenerator[Any, None]:
    """A subscription refused as today's streams refuse: its first result is the error."""
    raise error
    yield  # pragma: no cover - makes this an async generator
