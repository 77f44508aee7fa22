"""Refuses input values no use case or column can hold, once for every field, before anything runs.

Every string argument and input field, literal or variable, is checked where it enters:
no NUL (PostgreSQL text cannot hold U+0000), no lone surrogate (UTF-8 cannot encode one:
the driver, the password hasher and the JSON encoder all fail on it), at most
`DEFAULT_MAX_LENGTH` characters unless its input field declares its own `max_length`. Every
`DateTime` carries a time zone, and every date lies in years `MIN_YEAR..MAX_YEAR` (an
offset must not push it past what Python or PostgreSQL can hold). Each fault is an
INVALID_INPUT request error naming the field at fault as a mutation's errors would
("expiresAt", "lineItems[0].name"). Literals are checked by a validation rule, so the
validation cache keeps the verdict per document; variables are walked per request, only when
there are any.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from graphql import (
    SKIP,
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    ListValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    TypeInfo,
    TypeInfoVisitor,
    ValidationRule,
    ValueNode,
    VariableNode,
    VisitorAction,
    get_named_type,
    get_operation_ast,
    is_input_type,
    type_from_ast,
    value_from_ast_untyped,
)
from graphql.language import Visitor, visit
from strawberry.extensions import SchemaExtension

from graph.hardening.codes import refusal

INVALID_INPUT = "INVALID_INPUT"
# Generous for any name, reason or description; a field that needs more (or must hold less,
# to fit its column) says so: strawberry.field(metadata={MAX_LENGTH: 40}).
DEFAULT_MAX_LENGTH = 10_000
MAX_LENGTH = "max_length"
MIN_YEAR = 1000
MAX_YEAR = 9998
# Scalars whose values are not text: graphql-core bounds them, or they are parsed below.
_NOT_TEXT = frozenset({"Int", "Float", "Boolean"})
_DEFINITION = "strawberry-definition"

Path = tuple[str | int, ...]


def max_length(field: GraphQLInputField) -> int:
    """The most characters a string in this input field may have."""
    definition = (field.extensions or {}).get(_DEFINITION)
    metadata = getattr(definition, "metadata", None) or {}
    limit: int = metadata.get(MAX_LENGTH, DEFAULT_MAX_LENGTH)
    return limit


def text_fault(text: str, limit: int = DEFAULT_MAX_LENGTH) -> str | None:
    """Why `text` cannot be taken as it is, or None."""
    if len(text) > limit:
        return f"must be at most {limit} characters"
    if "\x00" in text:
        return "must not contain the NUL character (U+0000)"
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:
            return "must be valid Unicode (it holds a lone surrogate)"
    return None


def moment_fault(value: object) -> str | None:
    """Why a parsed date or datetime cannot be taken, or None."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return "must include a time zone, e.g. 2030-01-01T00:00:00+08:00 or ...Z"
    if isinstance(value, date) and not MIN_YEAR <= value.year <= MAX_YEAR:
        return f"must lie in the years {MIN_YEAR}..{MAX_YEAR}"
    return None


def faults(
    type_: GraphQLInputType, value: Any, path: Path, limit: int = DEFAULT_MAX_LENGTH
) -> Iterator[tuple[Path, str]]:
    """Each (path, reason) at fault in `value` as it would be coerced to `type_`. Values of
    the wrong shape are left alone: coercion refuses them with graphql-core's own words."""
    if isinstance(type_, GraphQLNonNull):
        yield from faults(type_.of_type, value, path, limit)
    elif isinstance(type_, GraphQLList):
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from faults(type_.of_type, item, (*path, index), limit)
        else:  # a single value stands for a list of one
            yield from faults(type_.of_type, value, path, limit)
    elif isinstance(type_, GraphQLInputObjectType):
        if isinstance(value, Mapping):
            for name, field in type_.fields.items():
                if name in value:
                    yield from faults(field.type, value[name], (*path, name), max_length(field))
    elif isinstance(type_, GraphQLScalarType) and type_.name not in _NOT_TEXT:
        yield from _scalar_faults(type_, value, path, limit)


def _scalar_faults(
    type_: GraphQLScalarType, value: Any, path: Path, limit: int
) -> Iterator[tuple[Path, str]]:
    if isinstance(value, str):
        reason = text_fault(value, limit)
        if reason is None and type_.name not in ("String", "ID"):
            try:
                parsed = type_.parse_value(value)
            except Exception:  # coercion reports it in its own words
                return
            reason = moment_fault(parsed)
        if reason is not None:
            yield path, reason
    elif isinstance(value, list):  # a JSON scalar's insides
        for index, item in enumerate(value):
            yield from _scalar_faults(type_, item, (*path, index), limit)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _scalar_faults(type_, key, (*path, key), limit)
            yield from _scalar_faults(type_, item, (*path, key), limit)


def field_name(path: Path) -> str:
    """The field as payload errors spell it: below an input object argument its own path
    ("input.lineItems.0.name" -> "lineItems[0].name"), else the argument's name."""
    shown = path[1:] if len(path) > 1 and isinstance(path[1], str) else path
    text = ""
    for part in shown:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def invalid_input(path: Path, reason: str, nodes: Any = None) -> GraphQLError:
    field = field_name(path)
    error = refusal(f"{field}: {reason}", INVALID_INPUT, nodes)
    error.extensions = {**(error.extensions or {}), "field": field}
    return error


class RefuseUnfitLiterals(ValidationRule):
    """The literal values of every argument (variables are checked per request)."""

    def enter_argument(self, node: ArgumentNode, *_args: object) -> VisitorAction:
        argument = self.context.get_argument()
        if argument is not None and not isinstance(node.value, VariableNode):
            value = value_from_ast_untyped(node.value)  # variables inside become Undefined
            for path, reason in faults(argument.type, value, (node.name.value,)):
                self.report_error(invalid_input(path, reason, node))
        return SKIP


class RefuseUnfitVariables(SchemaExtension):
    """The variables of each request, against the types their operation declares."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.variables and not context.pre_execution_errors:
            errors = variable_faults(
                context.schema._schema, document, context.operation_name, context.variables
            )
            if errors:
                context.pre_execution_errors = errors
        yield


def variable_faults(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
) -> list[GraphQLError]:
    """INVALID_INPUT for each fault in the variables of the operation the request runs."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return []
    errors = []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        type_ = type_from_ast(schema, definition.type)
        if name not in variables or not is_input_type(type_):
            continue
        limit = _declared_limits(schema, document).get(name, DEFAULT_MAX_LENGTH)
        for path, reason in faults(type_, variables[name], (), limit):
            where = _usage(document, name) or (f"${name}",)
            errors.append(invalid_input((*where, *path), reason, definition))
    return errors


# Per parsed document (the parser cache hands the same one to every request with its text),
# dropped with it.
_LIMITS: dict[int, dict[str, int]] = {}


def _declared_limits(schema: GraphQLSchema, document: DocumentNode) -> dict[str, int]:
    """The limits of the input fields that variables are passed to inside object literals
    (`{code: $code}`), where the variable's own type cannot tell them."""
    key = id(document)
    if key not in _LIMITS:
        finder = _FindLimits(TypeInfo(schema))
        visit(document, TypeInfoVisitor(finder.type_info, finder))
        _LIMITS[key] = finder.limits
        weakref.finalize(document, _LIMITS.pop, key, None)
    return _LIMITS[key]


class _FindLimits(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.limits: dict[str, int] = {}

    def enter_object_field(self, node: ObjectFieldNode, *_args: object) -> None:
        parent = get_named_type(self.type_info.get_parent_input_type())
        if not isinstance(parent, GraphQLInputObjectType) or node.name.value not in parent.fields:
            return
        limit = max_length(parent.fields[node.name.value])
        values = node.value.values if isinstance(node.value, ListValueNode) else [node.value]
        for value in values:
            if isinstance(value, VariableNode) and limit != DEFAULT_MAX_LENGTH:
                name = value.name.value
                self.limits[name] = min(limit, self.limits.get(name, limit))


class _FindUsage(Visitor):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.path: Path | None = None

    def enter_argument(self, node: ArgumentNode, *_args: object) -> VisitorAction:
        if self.path is None:
            self.path = _path_to(node.value, self.name, (node.name.value,))
        return SKIP


def _path_to(node: ValueNode, name: str, path: Path) -> Path | None:
    if isinstance(node, VariableNode):
        return path if node.name.value == name else None
    if isinstance(node, ObjectValueNode):
        for field in node.fields:
            found = _path_to(field.value, name, (*path, field.name.value))
            if found is not None:
                return found
    if isinstance(node, ListValueNode):
        for index, item in enumerate(node.values):
            found = _path_to(item, name, (*path, index))
            if found is not None:
                return found
    return None


def _usage(document: DocumentNode, name: str) -> Path | None:
    """Where variable `name` is first passed: the argument, and the path within its value.
    Looked up only for a fault, so requests that pass walk no document."""
    finder = _FindUsage(name)
    visit(document, finder)
    return finder.path
