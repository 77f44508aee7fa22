"""Executing a prepared operation as strawberry's pipeline would, without the pipeline.

What the schema's extensions do per request for a document they already let through is
done here directly: the request's variables are checked (unfit values, their cost) and the
result's errors logged, typed or masked, stripped of hints and coded, in the order the
extensions would. Whatever this path would refuse (an operation type the transport does
not allow, unfit variables, a cost over budget, variables that do not coerce) it does not
answer: it returns None before anything runs, and the caller sends the request through the
whole pipeline, which refuses it in its own words. `LEAN_STAND_INS` names the extensions
this path stands in for: a schema with any other may not use it (`stands_in_for`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Collection, Mapping
from typing import Any, cast

import strawberry
from graphql import ExecutionResult as CoreResult
from graphql import execute
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graph.errors import ClientErrors, present_errors
from graph.hardening.cost import QueryCostLimit, operation_cost
from graph.hardening.inputs import RefuseUnfitVariables, variable_faults
from graph.hardening.messages import (
    HideSuggestions,
    TokenLimit,
    code_token_limit,
    hide_suggestion,
    rewrite_errors,
)
from graph.hardening.rules import LimitRules
from graph.operation_choice import RequireOperationName
from graph.prepared.operations import PreparedOperation, PreparedOperations, RecordPrepared

# Each is either done once for the document (parse, validation, limits, the choice of
# operation, recording it) or replayed below (variables, cost, error presentation).
LEAN_STAND_INS: frozenset[type[SchemaExtension]] = frozenset(
    {
        ParserCache,
        ValidationCache,
        TokenLimit,
        LimitRules,
        QueryCostLimit,
        RefuseUnfitVariables,
        HideSuggestions,
        RequireOperationName,
        ClientErrors,
        RecordPrepared,
    }
)


def stands_in_for(schema: strawberry.Schema, others: Collection[type[SchemaExtension]]) -> bool:
    """Whether the lean path does everything this schema's extensions would (with `others`
    replayed by the caller), and no resolver middleware or directive needs the pipeline."""
    known = LEAN_STAND_INS | set(others)
    extensions = schema.get_extensions()
    return all(type(e) in known and not e._implements_resolve() for e in extensions)


async def run_prepared(
    schema: strawberry.Schema,
    operations: PreparedOperations,
    prepared: PreparedOperation,
    *,
    allowed: Collection[OperationType],
    variables: Mapping[str, Any] | None,
    context: object,
    operation_extensions: dict[str, Any] | None,
) -> ExecutionResult | None:
    """The operation's result, or None when the whole pipeline must answer instead."""
    if prepared.operation_type not in allowed:
        return None
    name = prepared.operation.name.value if prepared.operation.name else None
    graphql_schema = schema._schema
    if variables and variable_faults(graphql_schema, prepared.document, name, variables):
        return None
    if prepared.fixed_cost is None:  # a page size comes from a variable: price this request
        policy = operations.policy
        if operation_cost(schema, prepared.document, name, variables, policy) > policy.max_cost:
            return None
    outcome = execute(
        graphql_schema,
        prepared.document,
        context_value=context,
        variable_values=dict(variables) if variables else None,
        operation_name=name,
        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        **execution_context_class_kwargs(schema.execution_context_class),
        operation_extensions=operation_extensions,
    )
    core = (
        await cast(Awaitable[CoreResult], outcome) if optimized_is_awaitable(outcome) else outcome
    )
    core = cast(CoreResult, core)
    errors = core.errors
    if errors and core.data is None and all(e.path is None for e in errors):
        return None  # variables that do not coerce: a request error, and nothing ran
    result = ExecutionResult(data=core.data, errors=errors)
    if errors:
        schema.process_errors(errors, None)  # logged before they are presented, as strawberry does
        present_errors(result)
        if not operations.policy.field_suggestions:
            rewrite_errors(result, hide_suggestion)
        rewrite_errors(result, code_token_limit)
    return result
