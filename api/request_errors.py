"""Telling a request error (nothing executed) from an execution's errors."""

from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError


def is_request_error(result: ExecutionResult) -> bool:
    """True when the operation never started executing (GraphQL spec: a request error)."""
    if isinstance(result, PreExecutionError):
        return True
    # Execution errors always carry a path; request errors (variable coercion) never do.
    return (
        result.data is None
        and bool(result.errors)
        and all(e.path is None for e in result.errors or ())
    )
