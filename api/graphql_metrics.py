"""Times every GraphQL operation, labelled by operation type and root fields.

Root field names come from our schema, so the label set stays bounded whatever names
clients give their operations.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from graphql import FieldNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from api.metrics import Metrics
from api.request_errors import is_request_error

MAX_LABEL_LENGTH = 120


class GraphQLMetrics(SchemaExtension):
    """Counts into the metrics of the app serving the request (`app.state.metrics`), so one
    schema serves several apps (tests build many in one process)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        operation_type, operation = self._labels()
        metrics: Metrics = self.execution_context.context.request.app.state.metrics
        count_operation(metrics, operation_type, operation, self.execution_context.result, elapsed)

    def _labels(self) -> tuple[str, str]:
        document = self.execution_context.graphql_document
        if document is None:
            return "unknown", "(unparsed)"
        name = self.execution_context.operation_name
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode) and (
                name is None or (definition.name and definition.name.value == name)
            ):
                fields = [
                    s.name.value
                    for s in definition.selection_set.selections
                    if isinstance(s, FieldNode)
                ]
                return definition.operation.value, operation_label(fields)
        return "unknown", "(no operation)"


def operation_label(root_fields: Iterable[str]) -> str:
    """The label of an operation: its root fields, sorted and bounded."""
    return ",".join(sorted(set(root_fields)))[:MAX_LABEL_LENGTH] or "(fragments)"


def count_operation(
    metrics: Metrics,
    operation_type: str,
    operation: str,
    result: Any,  # strawberry's or graphql-core's result, or None
    elapsed: float,
) -> None:
    """One operation's outcome and time (api/graphql_prepared.py counts through this too)."""
    if result is None or not result.errors:
        outcome = "ok"
    elif is_request_error(result):
        outcome = "rejected"
    else:
        outcome = "error"
    metrics.child(metrics.graphql_operations, operation_type, operation, outcome).inc()
    metrics.child(metrics.graphql_latency, operation_type, operation).observe(elapsed)
