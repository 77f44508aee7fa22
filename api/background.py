"""Long-running loops an API process hosts (the relay, the in-process worker) for its life."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any


@contextlib.asynccontextmanager
async def in_background(
    name: str,
    run: Callable[[], Coroutine[Any, Any, None]],
    stop: Callable[[], None],
    *,
    grace_seconds: float,
) -> AsyncIterator[None]:
    """`run()` goes on for the life of the block; at its end `stop()` asks it to finish, and
    after `grace_seconds` it is cancelled."""
    task = asyncio.create_task(run(), name=name)
    try:
        yield
    finally:
        stop()
        try:
            await asyncio.wait_for(task, timeout=grace_seconds)
        except TimeoutError:
            task.cancel()
