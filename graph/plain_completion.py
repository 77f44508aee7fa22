"""Completing plain objects without graphql-core's per-field machinery.

graphql-core completes every field of an answer through several calls (execute_field,
resolve info, complete_value, the non-null and leaf checks): ~5 µs each, so a 360-month
quote's 5,049 fields cost ~25 ms of CPU where reading them costs well under 5. Most of a
large answer is plain: objects whose selected fields are attributes (strawberry fields
without a resolver, arguments or extensions) holding scalars, enums or other plain objects.
`PlainCompletion` completes those from a plan made once per selection and operation: for
each response key, the field's own default resolver and the leaf type's coercion. Whatever
the plan cannot complete exactly as graphql-core would (a null in a non-null field, a value
the scalar refuses, an exception, anything else) is completed by graphql-core itself, which
then reports the error with its path as before; objects with resolvers, lists, abstract
types, `@defer`, middleware and `is_type_of` checks always are.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    Undefined,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

_TYPENAME, _LEAF, _OBJECT = 0, 1, 2
# (response key, the field's default resolver, step kind, non-null, coercion or sub-plan)
_Step = tuple[str, Callable[..., Any] | None, int, bool, Any]
_Plan = tuple[_Step, ...]
_NOT_PLAIN = object()  # cached: this selection has no plan
_RESULT = 2  # the value to complete, after info and path


class PlainCompletion(StrawberryGraphQLCoreExecutionContext):
    def complete_object_value(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList, *rest: Any
    ) -> Any:
        """`rest`: graphql-core's info, path, result and position context."""
        if self._bare_resolvers():
            plan = self._plan(return_type, field_details_list)
            if plan is not None:
                completed = _complete(plan, rest[_RESULT])
                if completed is not None:
                    return completed
        return super().complete_object_value(return_type, field_details_list, *rest)

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        *rest: Any,
    ) -> Any:
        """A list of leaves or of plain objects, each item completed by the plan; graphql-core
        completes the whole list when any item needs it."""
        items = rest[_RESULT]
        if self._bare_resolvers() and isinstance(items, list | tuple):
            completed = self._plain_items(return_type.of_type, field_details_list, items)
            if completed is not None:
                return completed
        return super().complete_list_value(return_type, field_details_list, *rest)

    def _bare_resolvers(self) -> bool:
        """No middleware (an extension's `resolve`) wraps the resolvers."""
        middleware = self.middleware_manager
        return middleware is None or not middleware.middlewares

    def _plain_items(
        self, item_type: GraphQLOutputType, field_details_list: FieldDetailsList, items: Any
    ) -> list[Any] | None:
        if not isinstance(item_type, GraphQLNonNull):
            return None
        inner = item_type.of_type
        try:
            if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
                coerce = inner.coerce_output_value
                completed = [coerce(item) for item in items]
            elif isinstance(inner, GraphQLObjectType):
                plan = self._plan(inner, field_details_list)
                if plan is None:
                    return None
                completed = [_complete(plan, item) for item in items]
            else:
                return None
        except Exception:  # graphql-core completes it again and reports the error as it does
            return None
        if any(value is None or value is Undefined for value in completed):
            return None
        return completed

    def _plan(self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Any:
        plans: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, Any]]
        plans = self.__dict__.setdefault("_plain_plans", {})
        key = (return_type, id(field_details_list))  # kept alive with its plan, as graphql-core
        cached = plans.get(key)
        if cached is None:
            plan = self._build(return_type, field_details_list)
            cached = plans[key] = (field_details_list, _NOT_PLAIN if plan is None else plan)
        return None if cached[1] is _NOT_PLAIN else cached[1]

    def _build(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> _Plan | None:
        if return_type.is_type_of is not None:
            return None
        grouped, new_defer_usages, _ = self.collect_subfields(return_type, field_details_list)
        if new_defer_usages:
            return None
        steps: list[_Step] = []
        for response_key, details in grouped.items():
            if any(detail.defer_usage is not None for detail in details):
                return None
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                steps.append((response_key, None, _TYPENAME, True, return_type.name))
                continue
            field = return_type.fields.get(name)
            if (
                field is None
                or node.arguments
                or not getattr(field.resolve, "_is_default", False)
                or any(detail.node.arguments for detail in details)
            ):
                return None
            non_null = is_non_null_type(field.type)
            inner = field.type.of_type if non_null else field.type
            if is_leaf_type(inner):
                steps.append(
                    (response_key, field.resolve, _LEAF, non_null, inner.coerce_output_value)
                )
            elif is_object_type(inner):
                sub = self._plan(inner, details)
                if sub is None:
                    return None
                steps.append((response_key, _reader(field), _OBJECT, non_null, sub))
            else:
                return None
        return tuple(steps)


def _reader(field: GraphQLField) -> Callable[[Any], Any]:
    """What the field's default resolver does, without strawberry's calls around it: a
    basic field is `default_resolver(source, python_name)`, `getattr` unless configured."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        isinstance(definition, StrawberryField)
        and definition.is_basic_field
        and definition.default_resolver is getattr
    ):
        return attrgetter(definition.python_name)
    return field.resolve  # type: ignore[return-value]


def _complete(plan: _Plan, source: Any) -> dict[str, Any] | None:
    """The completed object, or None when graphql-core must complete it (and say why)."""
    completed: dict[str, Any] = {}
    try:
        for key, resolve, kind, non_null, how in plan:
            if kind == _TYPENAME:
                completed[key] = how
                continue
            assert resolve is not None
            value = resolve(source)
            if value is None or value is Undefined:
                if non_null:
                    return None
                completed[key] = None
                continue
            if isinstance(value, BaseException):
                return None
            if kind == _LEAF:
                value = how(value)
                if value is None or value is Undefined:
                    return None
            else:
                value = _complete(how, value)
                if value is None:
                    return None
            completed[key] = value
    except Exception:  # graphql-core completes it again and reports the error as it does
        return None
    return completed
