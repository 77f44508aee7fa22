"""Times every GraphQL operation, labelled by operation type and root fields.

Root field names come from our schema, so the label set stays bounded whatever names
clients give their operations.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from graphql import FieldNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from api.graphql_http import is_request_error
from api.metrics import Metrics

MAX_LABEL_LENGTH = 120


class GraphQLMetrics(SchemaExtension):
    """Counts into the metrics of the app serving the request (`app.state.metrics`), so one
    schema serves several apps (tests build many in one process)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        operation_type, operation = self._labels()
        result = self.execution_context.result
        if result is None or not result.errors:
            outcome = "ok"
        elif is_request_error(result):  # type: ignore[arg-type]
            outcome = "rejected"
        else:
            outcome = "error"
        metrics: Metrics = self.execution_context.context.request.app.state.metrics
        metrics.graphql_operations.labels(operation_type, operation, outcome).inc()
        metrics.graphql_latency.labels(operation_type, operation).observe(elapsed)

    def _labels(self) -> tuple[str, str]:
        document = self.execution_context.graphql_document
        if document is None:
            return "unknown", "(unparsed)"
        name = self.execution_context.operation_name
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode) and (
                name is None or (definition.name and definition.name.value == name)
            ):
                fields = sorted(
                    {
                        s.name.value
                        for s in definition.selection_set.selections
                        if isinstance(s, FieldNode)
                    }
                )
                label = ",".join(fields)[:MAX_LABEL_LENGTH] or "(fragments)"
                return definition.operation.value, label
        return "unknown", "(no operation)"
