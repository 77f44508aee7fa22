"""One local subscriber: a bounded buffer the hub fills and one subscription drains.

The hub never waits for a subscriber: it appends, and when the buffer is full it drops the
buffer, marks the subscriber overflowed and forgets it; the subscription then ends with
SLOW_CONSUMER (the client resumes from its last cursor), and nobody else is slowed.
"""

from __future__ import annotations

import asyncio
from collections import deque

from api.events.streams import PublishedEvent
from domain.events.errors import EventsUnavailable, SlowConsumer
from domain.events.interest import Interest


class LocalSubscriber:
    __slots__ = ("_ready", "closed", "events", "interest", "limit", "overflowed")

    def __init__(self, interest: Interest, *, limit: int) -> None:
        self.interest = interest
        self.limit = limit
        self.events: deque[PublishedEvent] = deque()
        self.overflowed = False
        self.closed = False  # the hub stopped
        self._ready = asyncio.Event()

    def offer(self, event: PublishedEvent) -> bool:
        """Buffer `event`; False when the buffer was full (the subscriber is now overflowed)."""
        if len(self.events) >= self.limit:
            self.overflowed = True
            self.events.clear()
            self._ready.set()
            return False
        self.events.append(event)
        self._ready.set()
        return True

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    def reset(self) -> None:
        """Start over with an empty buffer (a replay re-reads what was dropped from Redis)."""
        self.events.clear()
        self.overflowed = False

    async def next(self) -> PublishedEvent:
        while not self.events:
            if self.overflowed:
                raise SlowConsumer(self.limit)
            if self.closed:
                raise EventsUnavailable()
            self._ready.clear()
            await self._ready.wait()
        return self.events.popleft()
