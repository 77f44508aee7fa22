"""Group commit: one process's concurrent transfers go to PostgreSQL together.

While a batch's transaction runs, the transfers that arrive wait; when it commits, they all
go in the next one (per currency, up to `max_batch`). A lone transfer goes at once, so one
client waits no longer than before; under load, each transaction carries many transfers and
the wallets' locks are held for one batch's few statements, not one transfer's each.
Each caller gets its own transfer's answer, after the commit and never before.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.unit_of_work import UnitOfWork
from domain.wallets.services.transfer_batch import (
    TransferOrder,
    TransferResult,
    check_order,
    transfer_batch,
)

MAX_BATCH = 64


@dataclass
class _Waiter:
    order: TransferOrder
    key: tuple[str, str]  # the caller's scope and idempotency key
    future: asyncio.Future[TransferResult] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class TransferQueue:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, max_batch: int = MAX_BATCH
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._max_batch = max_batch
        self._waiting: dict[str, deque[_Waiter]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}  # the batch runner of each currency
        self.batches = 0  # committed batches, and the transfers they carried (for the metrics)
        self.orders = 0

    async def submit(self, order: TransferOrder) -> TransferResult:
        """Run `order` in the next batch; its answer or refusal once that batch commits."""
        check_order(order)
        claim = order.claim()
        waiter = _Waiter(order, (claim.scope, claim.key))
        currency = order.amount.currency
        self._waiting.setdefault(currency, deque()).append(waiter)
        if currency not in self._tasks:
            self._tasks[currency] = asyncio.create_task(self._drain(currency))
        return await waiter.future

    async def _drain(self, currency: str) -> None:
        waiting = self._waiting[currency]
        try:
            while waiting:
                await self._run(self._take(waiting))
        finally:  # nothing can be appended between the loop's last test and this line
            del self._tasks[currency]

    def _take(self, waiting: deque[_Waiter]) -> list[_Waiter]:
        """The next batch, oldest first; a key already in it waits for the next batch (where
        it finds the first attempt's answer), as one statement claims each key once."""
        batch: list[_Waiter] = []
        keys: set[tuple[str, str]] = set()
        later: list[_Waiter] = []
        while waiting and len(batch) < self._max_batch:
            waiter = waiting.popleft()
            (later if waiter.key in keys else batch).append(waiter)
            keys.add(waiter.key)
        waiting.extendleft(reversed(later))
        return batch

    async def _run(self, batch: list[_Waiter]) -> None:
        orders = [waiter.order for waiter in batch]
        try:  # a transfer's refusal is its result: the batch itself only fails on a fault
            results = await UnitOfWork(self._sessions).run(
                lambda session: transfer_batch(session, clock=self._clock, orders=orders)
            )
        except Exception as error:  # every caller must hear of it
            _fail(batch, error)
            return
        self.batches, self.orders = self.batches + 1, self.orders + len(batch)
        for waiter, result in zip(batch, results, strict=True):
            if not waiter.future.done():  # its caller may have gone
                waiter.future.set_result(result)


def _fail(batch: list[_Waiter], error: Exception) -> None:
    for waiter in batch:
        if not waiter.future.done():
            waiter.future.set_exception(error)
