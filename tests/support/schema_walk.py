"""The schema, walked: its root fields, every input position, and arguments made from types.

Tests that must cover every field (who may call it, what bad input does, whose ids it takes)
read the fields from the built schema here, so a new query, mutation or subscription is
covered the moment it exists.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    Undefined,
    get_named_type,
    is_composite_type,
    is_leaf_type,
)
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from graph.hardening.inputs import DEFAULT_MAX_LENGTH, max_length
from graph.permissions import Permission, declaration_of
from graph.schema import build_schema
from support.security import global_id, missing_id

SCHEMA = build_schema()
ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
ROOT_TYPES: dict[str, GraphQLObjectType] = {
    "query": SCHEMA._schema.query_type,  # type: ignore[dict-item]
    "mutation": SCHEMA._schema.mutation_type,  # type: ignore[dict-item]
    "subscription": SCHEMA._schema.subscription_type,  # type: ignore[dict-item]
}


@dataclass(frozen=True)
class RootField:
    operation: str  # query, mutation or subscription
    strawberry_field: StrawberryField
    graphql_field: GraphQLField

    @property
    def name(self) -> str:
        return to_camel_case(self.strawberry_field.python_name)

    def __str__(self) -> str:
        return f"{ROOTS[self.operation]}.{self.name}"


def root_fields() -> list[RootField]:
    fields = []
    for operation, type_name in ROOTS.items():
        definition = SCHEMA.get_type_by_name(type_name)
        graphql_type = SCHEMA._schema.get_type(type_name)
        assert definition is not None
        assert isinstance(graphql_type, GraphQLObjectType)
        for strawberry_field in definition.fields:  # type: ignore[union-attr]
            name = to_camel_case(strawberry_field.python_name)
            fields.append(RootField(operation, strawberry_field, graphql_type.fields[name]))
    return fields


ROOT_FIELDS = root_fields()


def permission_of(root: RootField) -> Permission:
    declared = declaration_of(root.strawberry_field)
    assert declared is not None, f"{root} declares nobody"
    return declared


# Arguments from the schema's types: required ones only, each the simplest value of its type.
SCALARS: dict[str, object] = {
    "ID": None,  # made per argument: the global id of a missing object
    "String": "x",
    "Int": 1,
    "Float": 1.5,
    "Boolean": True,
    "Date": "2030-01-01",
    "DateTime": "2030-01-01T00:00:00+00:00",
    "JSON": {},
}


def value_of(type_: GraphQLInputType, name: str) -> object:
    if isinstance(type_, GraphQLNonNull):
        return value_of(type_.of_type, name)
    if isinstance(type_, GraphQLList):
        return [value_of(type_.of_type, name)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            field_name: value_of(f.type, field_name)
            for field_name, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        }
    assert isinstance(type_, GraphQLScalarType)
    if type_.name == "ID":
        return _missing_id(name)
    return SCALARS.get(type_.name, "1")  # a scalar added later: a string most parse


def _missing_id(argument: str) -> str:
    """A global id of an object that does not exist, of the type the argument names."""
    type_name = argument[0].upper() + argument[1:].removesuffix("Id") if argument != "id" else "X"
    return global_id(type_name, uuid4())


def selection(type_: GraphQLOutputType) -> str:
    """Enough to see whether anything came back: a payload's `errors` and each other field."""
    named = get_named_type(type_)
    if not is_composite_type(named):
        return ""
    if isinstance(named, GraphQLObjectType) and "errors" in named.fields:
        parts = ["errors { code }"]
        for name, f in named.fields.items():
            if name != "errors":
                parts.append(
                    f"{name} {{ __typename }}"
                    if is_composite_type(get_named_type(f.type))
                    else name
                )
        return "{ " + " ".join(parts) + " }"
    return "{ __typename }"


def every_field(type_: Any, depth: int = 2, skip: Collection[str] = ()) -> str:
    """Every argument-free field of `type_` (but those in `skip`), nested `depth` levels."""
    named = get_named_type(type_)
    if isinstance(named, GraphQLInterfaceType):
        return "{ __typename id }"
    if not isinstance(named, GraphQLObjectType):
        return ""
    parts = ["__typename"]
    for name, field_ in named.fields.items():
        if name in skip or any(isinstance(a.type, GraphQLNonNull) for a in field_.args.values()):
            continue
        inner = get_named_type(field_.type)
        if isinstance(inner, GraphQLObjectType | GraphQLInterfaceType):
            if depth > 0:
                parts.append(f"{name} {every_field(inner, depth - 1)}")
        else:
            parts.append(name)
    return "{ " + " ".join(parts) + " }"


def document(root: RootField) -> tuple[str, dict[str, object]]:
    required = {
        name: argument
        for name, argument in root.graphql_field.args.items()
        if isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined
    }
    declared = ", ".join(f"${name}: {argument.type}" for name, argument in required.items())
    passed = ", ".join(f"{name}: ${name}" for name in required)
    head = f"{root.operation} Call({declared})" if declared else f"{root.operation} Call"
    call = f"{root.name}({passed})" if passed else root.name
    variables = {name: value_of(argument.type, name) for name, argument in required.items()}
    return f"{head} {{ {call} {selection(root.graphql_field.type)} }}", variables


# --- Every input position, and valid-looking values for it ---

Path = tuple[str | int, ...]
_serial = itertools.count(1)


@dataclass(frozen=True)
class Position:
    """Where a value goes: a root field, and the path from its argument down to a leaf."""

    operation: str
    field: str
    path: Path
    scalar: str
    limit: int = DEFAULT_MAX_LENGTH


def positions() -> Iterator[Position]:
    for operation, root in ROOT_TYPES.items():
        for name, field in root.fields.items():
            for arg_name, arg in field.args.items():
                yield from _leaves(operation, name, arg.type, (arg_name,), DEFAULT_MAX_LENGTH, ())


def _leaves(
    operation: str,
    field: str,
    type_: GraphQLInputType,
    path: Path,
    limit: int,
    seen: tuple[str, ...],
) -> Iterator[Position]:
    named = get_named_type(type_)
    if isinstance(named, GraphQLInputObjectType):
        if named.name in seen:
            return
        for name, input_field in named.fields.items():
            inner = (*path, *_list_steps(type_), name)
            yield from _leaves(
                operation,
                field,
                input_field.type,
                inner,
                max_length(input_field),
                (*seen, named.name),
            )
    elif isinstance(named, GraphQLScalarType):
        yield Position(operation, field, (*path, *_list_steps(type_)), named.name, limit)


def _list_steps(type_: GraphQLInputType) -> Path:
    """A list is entered at its first item."""
    steps: Path = ()
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        if isinstance(type_, GraphQLList):
            steps = (*steps, 0)
        type_ = type_.of_type
    return steps


POSITIONS = list(positions())

RATE_WORDS = ("rate", "spread", "share", "percent", "premium")
AMOUNT_WORDS = (
    "amount",
    "price",
    "capacity",
    "principal",
    "fixed",
    "size",
    "investment",
    "cap",
    "fee",
    "limit",
    "total",
    "balance",
    "deposit",
    "perloan",
    "budget",
    "loss",
)


def sample(type_: GraphQLInputType, name: str) -> Any:
    """A value of `type_` that a field called `name` could well be given."""
    if isinstance(type_, GraphQLNonNull):
        return sample(type_.of_type, name)
    if isinstance(type_, GraphQLList):
        return [sample(type_.of_type, name)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            n: sample(f.type, n)
            for n, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        }
    assert isinstance(type_, GraphQLScalarType)
    return _scalar_sample(type_.name, name.lower())


def _scalar_sample(scalar: str, name: str) -> Any:
    if scalar == "Int":
        return 3
    if scalar == "Float":
        return 1.5
    if scalar == "Boolean":
        return False
    if scalar == "ID":
        return missing_id("Participant")
    if scalar == "DateTime":
        return "2030-01-01T00:00:00+08:00"
    if scalar == "Date":
        return "2030-01-31"
    if scalar == "JSON":
        return {}
    if "currency" in name:
        return "CNY"
    if any(word in name for word in RATE_WORDS):
        return "0.05"
    if any(word in name for word in AMOUNT_WORDS):
        return "100.00"
    if "email" in name or "login" in name:
        return f"fuzz{next(_serial)}@example.com"
    if "reason" in name:
        return f"a reason long enough to be read {next(_serial)}"
    if "password" in name:
        return "correct horse battery staple"
    if "url" in name:
        return "https://example.com/hook"
    if "key" in name or "reference" in name:
        return f"fuzz-{next(_serial)}"
    if "phone" in name:
        return "+8613800138000"
    if name in ("after", "before"):
        return None
    return f"fuzz{next(_serial)}"  # unique: a code or name taken once must not stop the next


# --- Requests ---


def request(
    operation: str,
    field_name: str,
    probes: dict[Path, Any],
    select: Callable[[GraphQLOutputType], str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """A document calling `field_name` with valid-looking required arguments and each
    probe at its path (as variables, one per argument); its result `select`ed (by default,
    just its __typename)."""
    field: GraphQLField = ROOT_TYPES[operation].fields[field_name]
    arguments = {
        n: sample(a.type, n)
        for n, a in field.args.items()
        if isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined
    }
    for path, value in probes.items():
        arguments[str(path[0])] = _put(
            arguments.get(str(path[0])), field.args[str(path[0])].type, path[1:], value
        )
    declarations = ", ".join(f"${n}: {field.args[n].type}" for n in arguments)
    passed = ", ".join(f"{n}: ${n}" for n in arguments)
    head = f"{operation} Probe" + (f"({declarations})" if declarations else "")
    call = f"{field_name}({passed})" if passed else field_name
    if is_leaf_type(get_named_type(field.type)):
        selected = ""
    else:
        selected = " " + (select(field.type) if select else "{ __typename }")
    return f"{head} {{ {call}{selected} }}", arguments


def with_value(
    operation: str, field_name: str, arguments: dict[str, Any], path: Path, value: Any
) -> dict[str, Any]:
    """`arguments` of `field_name` with `value` at `path` instead."""
    field: GraphQLField = ROOT_TYPES[operation].fields[field_name]
    name = str(path[0])
    return {**arguments, name: _put(arguments.get(name), field.args[name].type, path[1:], value)}


def _put(container: Any, type_: GraphQLInputType, path: Path, value: Any) -> Any:
    """`container` (of `type_`) with `value` at `path`, made where missing."""
    if isinstance(type_, GraphQLNonNull):
        return _put(container, type_.of_type, path, value)
    if not path:
        return value
    step, rest = path[0], path[1:]
    if isinstance(type_, GraphQLList):
        items = list(container) if isinstance(container, list) and container else [None]
        items[0] = _put(items[0], type_.of_type, rest, value)
        return items
    assert isinstance(type_, GraphQLInputObjectType)
    assert isinstance(step, str)
    fields = dict(container) if isinstance(container, dict) else sample(type_, "")
    fields[step] = _put(fields.get(step), type_.fields[step].type, rest, value)
    return fields
