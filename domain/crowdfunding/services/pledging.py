"""A backer pledges to a live campaign: the money is held in the backer's wallet until the
outcome, nothing is captured before. Idempotent under the backer's key.

Under the campaign's row lock: the campaign must be live and before its deadline; a reward
tier's unit is taken (when the last units are raced for, exactly the stock is sold); an
equity investment must fit the investor's 12-month limit; a debt campaign never takes more
than its goal (the loan's principal). The rules live in pledge_checks.py; a pledge is a batch
of one (pledge_batch.py): the API groups concurrent pledges to a campaign (pledge_queue.py).
"""

from __future__ import annotations

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import Clock
from domain.crowdfunding.services.pledge_batch import PledgeOrder, check_order, pledge_batch
from domain.crowdfunding.services.pledge_checks import PledgeRequest
from domain.crowdfunding.services.reads import PledgeView
from domain.crowdfunding.tables import Campaign, Pledge
from domain.idempotency.service import remember_key_use


async def pledge(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    request: PledgeRequest,
    idempotency_key: str,
) -> PledgeView:
    """Back a live campaign with `request.amount` held from the caller's wallet."""
    order = PledgeOrder(actor, request, idempotency_key)
    check_order(order)
    [result] = await pledge_batch(session, clock=clock, orders=[order])
    remember_key_use(session, result.key_use)
    return await pledge_now(session, result.unwrap().pledge_id)


async def pledge_now(session: AsyncSession, pledge_id: UUID) -> PledgeView:
    """The pledge and its campaign as they are now (just written, or on a replay)."""
    row = await session.get(Pledge, pledge_id)
    assert row is not None  # pledges are never deleted
    campaign = await session.get(Campaign, row.campaign_id)
    assert campaign is not None
    return PledgeView(row, campaign)
