"""Validation rules on a document's shape: depth, aliases and introspection, with codes."""

from __future__ import annotations

import time

import graphql
import pytest
from graphql import GraphQLError, specified_rules
from graphql.validation import MaxIntrospectionDepthRule

from graph.hardening import HardeningPolicy, hardening_extensions
from graph.hardening.rules import (
    IntrospectionDepthLimit,
    IntrospectionDisabled,
    alias_limit,
    depth_limit,
)

# Recursive types: the shape that makes depth matter (participants, accounts, loans...).
SCHEMA = graphql.build_schema(
    """
    type Query { me: User! node(id: ID!): User }
    type User { id: ID! name: String! friends: [User!]! best: User }
    """
)


def errors(query: str, *rules: type[graphql.ASTValidationRule]) -> list[GraphQLError]:
    """Validation as hardened: graphql-core's rules, the introspection depth rule coded."""
    standard = [
        IntrospectionDepthLimit if r is MaxIntrospectionDepthRule else r for r in specified_rules
    ]
    return graphql.validate(SCHEMA, graphql.parse(query), [*standard, *rules])


def nested(levels: int) -> str:
    """`{ me { best { best ... { id } } } }` with `levels` fields below `me`."""
    return "{ me " + "{ best " * (levels - 1) + "{ id }" + " }" * (levels - 1) + " }"


def codes(found: list[GraphQLError]) -> list[str]:
    return [str((error.extensions or {}).get("code")) for error in found]


def test_depth_up_to_the_limit_passes_one_more_is_refused() -> None:
    assert errors(nested(3), depth_limit(3)) == []

    [error] = errors(nested(4), depth_limit(3))

    assert error.message == "Query depth 4 exceeds the limit of 3"
    assert error.extensions == {"code": "QUERY_TOO_DEEP", "depth": 4, "limit": 3}
    assert error.path is None


def test_depth_counts_through_fragments_and_inline_fragments() -> None:
    query = """{ me { ...Deeper } }
        fragment Deeper on User { best { ... on User { best { ...Deepest } } } }
        fragment Deepest on User { best { id } }"""

    assert codes(errors(query, depth_limit(3))) == ["QUERY_TOO_DEEP"]
    assert errors(query, depth_limit(4)) == []


def test_depth_leaves_introspection_to_the_introspection_rule() -> None:
    # the standard introspection query nests 14 deep: counting it would break GraphiQL
    assert errors(graphql.get_introspection_query(), depth_limit(12)) == []


def test_nested_introspection_lists_are_refused() -> None:
    query = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"

    [error] = errors(query)

    assert error.extensions == {"code": "INTROSPECTION_TOO_DEEP"}


def test_cyclic_fragments_are_a_validation_error_not_a_hang() -> None:
    query = """{ me { ...A } }
        fragment A on User { best { ...B } }
        fragment B on User { friends { ...A } }"""

    found = errors(query, depth_limit(12), alias_limit(30))

    assert [e.message for e in found] == ["Cannot spread fragment 'A' within itself via 'B'."]


def test_a_fragment_bomb_is_measured_once_per_fragment() -> None:
    # given 40 fragments each spreading the next twice (strawberry's limiters walk 2^40)
    fragments = " ".join(f"fragment F{k} on User {{ ...F{k + 1} ...F{k + 1} }}" for k in range(40))
    query = "{ me { ...F0 } } " + fragments + " fragment F40 on User { a: best { id } }"

    # when validated
    started = time.process_time()
    found = errors(query, depth_limit(12), alias_limit(30))

    # then at once, with the exact count: this process's CPU time, which other work on the
    # machine does not inflate (a walk of 2^40 spreads would take hours, not seconds)
    assert time.process_time() - started < 2.0
    [error] = found
    assert error.extensions == {"code": "TOO_MANY_ALIASES", "aliases": 2**40, "limit": 30}


def test_aliases_are_counted_per_operation_and_through_fragments() -> None:
    thirty = " ".join(f"a{n}: me {{ id }}" for n in range(30))
    assert errors(f"query A {{ {thirty} }} query B {{ {thirty} }}", alias_limit(30)) == []

    query = "{ ...Two ...Two } fragment Two on Query { x: me { id } y: me { id } }"

    [error] = errors(query, alias_limit(3))

    assert error.message == "4 aliases exceed the limit of 3"
    assert error.extensions == {"code": "TOO_MANY_ALIASES", "aliases": 4, "limit": 3}


def test_introspection_disabled_refuses_schema_and_type_but_not_typename() -> None:
    assert errors("{ __typename me { __typename id } }", IntrospectionDisabled) == []

    found = errors(
        '{ __schema { types { name } } __type(name: "User") { name } }', IntrospectionDisabled
    )

    assert codes(found) == ["INTROSPECTION_DISABLED", "INTROSPECTION_DISABLED"]
    assert found[0].message == "Introspection is disabled: '__schema' cannot be queried"


@pytest.mark.parametrize("env", ["dev", "test", "production"])
def test_each_request_gets_fresh_extensions_with_the_same_rule_classes(env: str) -> None:
    # given the factories for one policy
    factories = hardening_extensions(HardeningPolicy.for_environment(env))

    # when two requests make their extensions
    first, second = [factory() for factory in factories], [factory() for factory in factories]

    # then no instance is shared, but the rules are the same classes (the cache key)
    assert all(a is not b for a, b in zip(first, second, strict=True))
    rules = [getattr(e, "validation_rules", None) for e in first]
    assert rules == [getattr(e, "validation_rules", None) for e in second]
    assert any(rules)
