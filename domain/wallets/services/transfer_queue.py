"""Group commit of wallet-to-wallet transfers (domain/services/group_commit.py), one group
per currency: the wallets' locks are held for one batch's few statements, not each one's."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.services.group_commit import MAX_BATCH, GroupCommit
from domain.wallets.services.transfer_batch import (
    TransferOrder,
    TransferResult,
    check_order,
    transfer_batch,
)


class TransferQueue(GroupCommit[TransferOrder, TransferResult]):
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, max_batch: int = MAX_BATCH
    ) -> None:
        async def run(session: AsyncSession, orders: list[TransferOrder]) -> list[TransferResult]:
            return await transfer_batch(session, clock=clock, orders=orders)

        super().__init__(sessions, run, max_batch)

    async def submit(self, order: TransferOrder) -> TransferResult:
        """Run `order` in the next batch; its answer or refusal once that batch commits."""
        check_order(order)
        claim = order.claim()
        return await self.enqueue(order, group=order.amount.currency, key=(claim.scope, claim.key))
