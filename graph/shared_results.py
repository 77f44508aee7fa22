"""Subscription events completed once for every subscriber who asks the same question.

graphql-core completes a subscription's selection for each subscriber and event. When the
event object is shared (graph/events/sharing.py: one object for every local subscriber of
one event), subscriptions of the same operation — the same parsed document and operation,
the same variables — and, unless the event's type is viewer-independent, the same viewer,
get one result: the first to complete it keeps it on the event object, the others take it.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from typing import Any

from graphql import ExecutionResult

from graph.events.sharing import SHARED_ROOTS, VIEWER_INDEPENDENT, SharedData, viewer_key
from graph.plain_completion import PlainCompletion


class SharedEventResults(PlainCompletion):
    _operation_key: Hashable | None = None  # set on a subscription's executor, copied per event

    def build_per_event_executor(self, payload: Any) -> Any:
        if self._operation_key is None:
            variables = json.dumps(self.variable_values.coerced, sort_keys=True, default=repr)
            self._operation_key = (id(self.operation), variables)
        return super().build_per_event_executor(payload)

    def execute_operation(self, serially: bool | None = None) -> Any:
        root = self.root_value
        # Only a subscription's per-event executors have an operation key.
        shared = None if self._operation_key is None else SHARED_ROOTS.results_of(root)
        if shared is None:
            return super().execute_operation(serially)
        viewer = None if type(root) in VIEWER_INDEPENDENT else viewer_key(self.context_value.actor)
        key = (self._operation_key, viewer)
        entry = shared.get(key)
        # The operation node is kept with its result: an id reused by another document's
        # operation once this one is gone never matches.
        if entry is not None and entry[0] is self.operation:
            return entry[1]
        result = super().execute_operation(serially)
        if not isinstance(result, ExecutionResult) or result.errors or result.data is None:
            return result  # awaited (a resolver that reads), or failed: this subscriber's own
        answer = ExecutionResult(SharedData(result.data), None)
        shared[key] = (self.operation, answer)
        return answer
