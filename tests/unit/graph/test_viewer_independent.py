"""@viewer_independent holds: every field reachable from a declared type reads the object alone.

Subscribers of one event share the result completed on a declared type (graph/events/
sharing.py), so a field there that could read the viewer (a permission, a field extension,
a resolver given `info`) would show one viewer's answer to another.
"""

from __future__ import annotations

from collections.abc import Iterator

import strawberry
from graphql import GraphQLObjectType, GraphQLSchema, get_named_type, is_abstract_type
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from graph.events.sharing import VIEWER_INDEPENDENT
from graph.events.types import TYPED_EVENTS, Event
from graph.schema import build_schema
from graph.wallets.types import Wallet


def reads_more_than_the_object(field: StrawberryField) -> str | None:
    """Why this field might read something else than its object (None: it reads only it)."""
    if field.permission_classes:
        return "has permission classes"
    if field.extensions:
        return "has field extensions"
    resolver = field.base_resolver
    if resolver is not None and resolver.info_parameter is not None:
        return "has a resolver given info"
    return None


def objections(schema: GraphQLSchema, type_name: str) -> Iterator[str]:
    """Every field reachable from `type_name` that might read more than its object."""
    seen: set[str] = set()
    waiting = [schema.get_type(type_name)]
    while waiting:
        graphql_type = waiting.pop()
        if graphql_type is None or graphql_type.name in seen:
            continue
        seen.add(graphql_type.name)
        if is_abstract_type(graphql_type):
            waiting.extend(schema.get_possible_types(graphql_type))  # type: ignore[arg-type]
            continue
        if not isinstance(graphql_type, GraphQLObjectType):
            continue  # scalars and enums read nothing
        for name, field in graphql_type.fields.items():
            definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
            reason = "is not a strawberry field" if definition is None else None
            reason = reason or reads_more_than_the_object(definition)
            if reason is not None:
                yield f"{graphql_type.name}.{name} {reason}"
            waiting.append(get_named_type(field.type))


def graphql_name(cls: type) -> str:
    return cls.__strawberry_definition__.name  # type: ignore[attr-defined]


def test_every_declared_type_reads_only_its_object() -> None:
    schema = build_schema()._schema
    declared = [graphql_name(cls) for cls in VIEWER_INDEPENDENT]
    assert declared
    found = [objection for name in declared for objection in objections(schema, name)]
    assert found == []


def test_every_event_type_is_declared() -> None:
    # Otherwise its subscribers share a result only when they are the same viewer.
    assert {Event, *TYPED_EVENTS.values()} <= VIEWER_INDEPENDENT


@strawberry.type
class Leaky:
    wallet: Wallet

    @strawberry.field
    def whose(self, info: strawberry.Info) -> str:
        return str(info.context.actor)


@strawberry.type
class LeakyQuery:
    leaky: Leaky


def test_the_walk_finds_a_field_that_reads_the_viewer() -> None:
    schema = strawberry.Schema(query=LeakyQuery)._schema
    assert list(objections(schema, "Leaky")) == ["Leaky.whose has a resolver given info"]
    assert list(objections(schema, "Wallet")) == []
