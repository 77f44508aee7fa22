"""The short way through /graphql for operations the schema has prepared.

A JSON POST whose document the full pipeline already let through (graph/prepared) skips
strawberry's view and extension machinery: the caller is authenticated and counted exactly
as on the long way (`get_context`, before the body is read, as strawberry does), the body
goes through the same JSON depth check, and the prepared operation runs with only the
per-request checks its variables need. Anything else — another content type, a batch, a
document seen for the first time, an operation type POST may not run, variables that fail
a check — takes the long way with the same context (nothing is authenticated or counted
twice), which answers it exactly as before.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from strawberry.types.graphql import OperationType

from api.graphql_metrics import GraphQLMetrics, count_operation, operation_label
from api.metrics import Metrics
from api.persisted_queries import PersistedQueries
from graph.context import Context
from graph.prepared import PreparedOperations, run_prepared, stands_in_for

_POST_ALLOWS = frozenset({OperationType.QUERY, OperationType.MUTATION})
_STREAMING = ("multipart", "event-stream")
# Tuples, not `str | None`: a union written in the check is built again on every request.
_TEXT = (str, type(None))
_OBJECT = (dict, type(None))


def counts_operations(schema: Any) -> bool:
    """Whether the schema's pipeline counts operations (GraphQLMetrics), so this path must."""
    return any(isinstance(e, GraphQLMetrics) for e in schema.get_extensions())


def prepared_operations_of(schema: Any) -> PreparedOperations | None:
    """The schema's prepared operations, when the short way can stand in for its pipeline."""
    prepared = getattr(schema, "prepared", None)
    if isinstance(prepared, PreparedOperations) and stands_in_for(schema, {GraphQLMetrics}):
        return prepared
    return None


def takes_short_way(request: Request) -> bool:
    """A JSON POST that asks for a single JSON answer (no streamed transport)."""
    if request.method != "POST":
        return False
    headers = request.headers
    media = headers.get("content-type", "").partition(";")[0].strip().lower()
    accept = headers.get("accept", "")
    return media == "application/json" and not any(s in accept for s in _STREAMING)


class PreparedOperationsPath:
    """Mixed into the GraphQL view (api/graphql_http.py), which provides the hooks used."""

    prepared: PreparedOperations | None
    persisted_queries: PersistedQueries
    counts_operations: bool

    async def answer(self, request: Request) -> Response:
        if self.prepared is None or not takes_short_way(request):
            return await self.run(request)  # type: ignore[attr-defined,no-any-return]
        sub_response: Response = await self.get_sub_response(request)  # type: ignore[attr-defined]
        context: Context = await self.get_context(request, sub_response)  # type: ignore[attr-defined]
        response = await self._short_way(request, context, sub_response)
        if response is None:
            return await self.run(request, context=context, root_value=None)  # type: ignore[attr-defined,no-any-return]
        return response

    async def _short_way(
        self, request: Request, context: Context, sub_response: Response
    ) -> Response | None:
        assert self.prepared is not None
        try:
            data = self.decode_json(await request.body())  # type: ignore[attr-defined]
        except Exception:  # the long way reads it again and answers in its own words
            return None
        if not isinstance(data, dict):
            return None
        query, variables = data.get("query"), data.get("variables")
        name, extensions = data.get("operationName"), data.get("extensions")
        if not (
            isinstance(query, _TEXT)
            and isinstance(variables, _OBJECT)
            and isinstance(name, _TEXT)
            and isinstance(extensions, _OBJECT)
        ):
            return None
        query = await self.persisted_queries.document_for(query, extensions)
        prepared = self.prepared.get(query, name) if query is not None else None
        if prepared is None:
            return None
        started = time.perf_counter()
        result = await run_prepared(
            self.schema,  # type: ignore[attr-defined]
            self.prepared,
            prepared,
            allowed=_POST_ALLOWS,
            variables=variables,
            context=context,
            operation_extensions=extensions,
        )
        if result is None:
            return None
        if self.counts_operations:
            metrics: Metrics = request.app.state.metrics
            label = operation_label(prepared.root_fields)
            elapsed = time.perf_counter() - started
            count_operation(metrics, prepared.operation_type.value, label, result, elapsed)
        body = await self.process_result(request, result)  # type: ignore[attr-defined]
        return self.create_response(body, sub_response)  # type: ignore[attr-defined,no-any-return]
