"""`heartbeat`: a tick every few seconds, so apps can prove their live connection end to end."""

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from domain.errors import InvalidInput
from graph.context import Info
from graph.permissions import ANYONE, allow

MIN_INTERVAL_SECONDS = 1
MAX_INTERVAL_SECONDS = 300


@strawberry.type(description="One tick of the heartbeat.")
class Heartbeat:
    sequence: int = strawberry.field(description="1 for the first tick, then 2, 3, ...")
    at: datetime = strawberry.field(description="Server time of the tick (UTC).")


@strawberry.type
class PlatformSubscriptions:
    @allow(ANYONE)
    @strawberry.subscription(
        description="Ticks every intervalSeconds (1..300), starting at once; for connection checks."
    )
    async def heartbeat(
        self, info: Info, interval_seconds: int = 15
    ) -> AsyncGenerator[Heartbeat, None]:
        if not MIN_INTERVAL_SECONDS <= interval_seconds <= MAX_INTERVAL_SECONDS:
            raise InvalidInput(
                f"interval_seconds must be within {MIN_INTERVAL_SECONDS}..{MAX_INTERVAL_SECONDS}",
                field="interval_seconds",
            )
        sequence = 0
        while True:
            sequence += 1
            yield Heartbeat(sequence=sequence, at=info.context.clock.now())
            await asyncio.sleep(interval_seconds)
