"""Group commit of pledges (domain/services/group_commit.py), one group per campaign: a hot
campaign's row and escrow account are locked for one batch's few statements, not each one's."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import Clock
from domain.crowdfunding.services.pledge_batch import (
    PledgeOrder,
    PledgeResult,
    check_order,
    pledge_batch,
)
from domain.services.group_commit import MAX_BATCH, GroupCommit


class PledgeQueue(GroupCommit[PledgeOrder, PledgeResult]):
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, max_batch: int = MAX_BATCH
    ) -> None:
        async def run(session: AsyncSession, orders: list[PledgeOrder]) -> list[PledgeResult]:
            return await pledge_batch(session, clock=clock, orders=orders)

        super().__init__(sessions, run, max_batch)

    async def submit(self, order: PledgeOrder) -> PledgeResult:
        """Run `order` in its campaign's next batch; its answer or refusal once that commits."""
        check_order(order)
        claim = order.claim()
        return await self.enqueue(
            order, group=order.request.campaign_id, key=(claim.scope, claim.key)
        )
