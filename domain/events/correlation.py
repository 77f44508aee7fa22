"""The id that ties an event to the request (or job) that caused it.

The API binds the request id here; use cases need not pass it down through every call.
"""

from __future__ import annotations

from contextvars import ContextVar

current_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
