"""Writing numbered outbox rows to their topic streams, one round trip per batch."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import asyncpg
import redis.asyncio as redis
from redis.exceptions import ResponseError

from api.events.streams import encode_event, entry_id, stream_key

# Redis's answer when an entry id is not above the stream's last one: the event is already
# there (a previous leader published it and stopped before marking it).
_ALREADY_THERE = "equal or smaller than the target stream top item"


async def publish(client: redis.Redis, rows: Sequence[asyncpg.Record], *, maxlen: int) -> None:
    """XADD every row under its position; raises if Redis is unreachable or refuses otherwise."""
    async with client.pipeline(transaction=False) as pipe:
        for row in rows:
            pipe.xadd(
                stream_key(row["topic"]),
                encode_event(SimpleNamespace(**dict(row))),  # type: ignore[arg-type]
                id=entry_id(row["position"]),
                maxlen=maxlen,
                approximate=True,
            )
        answers = await pipe.execute(raise_on_error=False)
    for answer in answers:
        if isinstance(answer, ResponseError) and _ALREADY_THERE in str(answer):
            continue
        if isinstance(answer, Exception):
            raise answer
