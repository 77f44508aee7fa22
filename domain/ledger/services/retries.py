"""PostgreSQL's "try again" answers: a serialization failure or a deadlock victim. A unit of
work that gets one is replayed from the start, a bounded number of times, with jitter."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy.exc import DBAPIError

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
MAX_ATTEMPTS = 3


def retryable(error: DBAPIError) -> bool:
    cause = error.orig
    return (
        getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES
        or getattr(getattr(cause, "__cause__", None), "sqlstate", None) in RETRYABLE_SQLSTATES
    )


async def back_off(attempt: int) -> None:
    """Wait a little longer after each failed attempt, at random so retries spread out."""
    await asyncio.sleep(0.005 * 2**attempt * random.random())  # noqa: S311  # jitter
