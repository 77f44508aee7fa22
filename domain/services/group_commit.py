"""Group commit: one process's concurrent requests of one kind go to PostgreSQL together.

While a batch's transaction runs, the requests of its group that arrive wait; when it
commits, they all go in the next one (up to `max_batch`). A lone request goes at once, so one
client waits no longer than before; under load, each transaction carries many requests and
the rows they share (a hot wallet, a campaign and its escrow) are locked for one batch's few
statements, not each request's. Each caller gets its own answer, after the commit and never
before. Wallet transfers group by currency (wallets/services/transfer_queue.py), pledges by
campaign (crowdfunding/services/pledge_queue.py).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.unit_of_work import UnitOfWork

MAX_BATCH = 64
Order = TypeVar("Order")  # a request
Result = TypeVar("Result")  # its result (a refusal is a result: the batch only fails on a fault)
RunBatch = Callable[[AsyncSession, list[Order]], Awaitable[list[Result]]]


@dataclass
class _Waiter(Generic[Order, Result]):
    order: Order
    key: Hashable  # the caller's scope and idempotency key
    future: asyncio.Future[Result] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class GroupCommit(Generic[Order, Result]):
    """Runs each group's waiting requests as batches, one batch per group at a time."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        run_batch: RunBatch[Order, Result],
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._sessions = sessions
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._waiting: dict[Hashable, deque[_Waiter[Order, Result]]] = {}
        self._tasks: dict[Hashable, asyncio.Task[None]] = {}  # the batch runner of each group
        self.batches = 0  # committed batches, and the requests they carried (for the metrics)
        self.orders = 0

    async def enqueue(self, order: Order, *, group: Hashable, key: Hashable) -> Result:
        """Run `order` in its group's next batch; its result once that batch commits."""
        waiter: _Waiter[Order, Result] = _Waiter(order, key)
        self._waiting.setdefault(group, deque()).append(waiter)
        if group not in self._tasks:
            self._tasks[group] = asyncio.create_task(self._drain(group))
        return await waiter.future

    async def _drain(self, group: Hashable) -> None:
        waiting = self._waiting[group]
        try:
            while waiting:
                await self._run(self._take(waiting))
        finally:  # nothing can be appended between the loop's last test and this line
            del self._tasks[group]
            if not waiting:
                del self._waiting[group]  # groups come and go (campaigns): keep no empty queue

    def _take(self, waiting: deque[_Waiter[Order, Result]]) -> list[_Waiter[Order, Result]]:
        """The next batch, oldest first; a key already in it waits for the next batch (where
        it finds the first attempt's answer), as one statement claims each key once."""
        batch: list[_Waiter[Order, Result]] = []
        keys: set[Hashable] = set()
        later: list[_Waiter[Order, Result]] = []
        while waiting and len(batch) < self._max_batch:
            waiter = waiting.popleft()
            (later if waiter.key in keys else batch).append(waiter)
            keys.add(waiter.key)
        waiting.extendleft(reversed(later))
        return batch

    async def _run(self, batch: list[_Waiter[Order, Result]]) -> None:
        orders = [waiter.order for waiter in batch]
        try:
            results = await UnitOfWork(self._sessions).run(
                lambda session: self._run_batch(session, orders)
            )
        except Exception as error:  # every caller must hear of it
            _fail(batch, error)
            return
        self.batches, self.orders = self.batches + 1, self.orders + len(batch)
        for waiter, result in zip(batch, results, strict=True):
            if not waiter.future.done():  # its caller may have gone
                waiter.future.set_result(result)


def _fail(batch: list[_Waiter[Order, Result]], error: Exception) -> None:
    for waiter in batch:
        if not waiter.future.done():
            waiter.future.set_exception(error)
