"""After a reward campaign succeeds: the creator refunds backers from its wallet, the fee
reversed in proportion (exactly, over several partial refunds), and marks rewards fulfilled."""

from __future__ import annotations

import pytest

from domain.clock import FixedClock
from domain.crowdfunding.errors import PledgeStateConflict
from domain.crowdfunding.services import after_success
from domain.crowdfunding.tables import Campaign
from domain.errors import InvalidInput
from domain.money import Money
from support.crowdfunding import (
    Sessions,
    backer,
    balance,
    cny,
    creator,
    ledger_consistent,
    live_campaign,
    past_deadline,
    pledge,
    revenue,
    reward_campaign,
)


async def _refund(
    sessions: Sessions,
    clock: FixedClock,
    owner: object,
    pledge_id: object,
    amount: Money | None,
    key: str,
) -> None:
    async with sessions() as session:
        await after_success.refund_pledge(
            session=session,
            clock=clock,
            actor=owner,  # type: ignore[arg-type]
            pledge_id=pledge_id,  # type: ignore[arg-type]
            amount=amount,
            idempotency_key=key,
        )
        await session.commit()


async def test_refunds_take_back_the_fee_in_proportion_and_never_exceed_the_pledge(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    live = await live_campaign(sessions, clock, owner, reward_campaign(goal=10_001))
    fan = await backer(sessions, clock)
    mine = await pledge(sessions, clock, fan, live.campaign.id, 10_001, tier_id=live.tiers[0].id)
    await past_deadline(sessions, clock, live)
    assert await balance(sessions, owner) == (9_501, 0)  # fee 500.05 -> 500
    assert await revenue(sessions, "crowdfunding_fee") == 500

    await _refund(sessions, clock, owner, mine.pledge.id, cny(3_333), "r1")
    await _refund(sessions, clock, owner, mine.pledge.id, cny(3_333), "r1")  # replayed
    await _refund(sessions, clock, owner, mine.pledge.id, None, "r2")  # all that remains

    assert await balance(sessions, fan) == (1_000_000, 0)
    assert await balance(sessions, owner) == (0, 0)
    assert await revenue(sessions, "crowdfunding_fee") == 0
    async with sessions() as session:
        campaign = await session.get(Campaign, live.campaign.id)
        assert campaign is not None
        assert campaign.refunded == 10_001
    with pytest.raises(PledgeStateConflict):
        await _refund(sessions, clock, owner, mine.pledge.id, cny(1), "r3")
    assert await ledger_consistent(sessions)


async def test_a_refund_beyond_what_remains_is_refused(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    live = await live_campaign(sessions, clock, owner, reward_campaign(goal=10_000))
    fan = await backer(sessions, clock)
    mine = await pledge(sessions, clock, fan, live.campaign.id, 10_000)
    await past_deadline(sessions, clock, live)

    with pytest.raises(InvalidInput):
        await _refund(sessions, clock, owner, mine.pledge.id, cny(10_001), "too-much")


async def test_the_creator_marks_a_reward_fulfilled_once(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    live = await live_campaign(sessions, clock, owner, reward_campaign(goal=10_000))
    fan = await backer(sessions, clock)
    mine = await pledge(sessions, clock, fan, live.campaign.id, 10_000, tier_id=live.tiers[0].id)
    await past_deadline(sessions, clock, live)

    async with sessions() as session:
        done = await after_success.mark_reward_fulfilled(
            session=session, clock=clock, actor=owner, pledge_id=mine.pledge.id
        )
        await session.commit()
    assert done.pledge.fulfilled_at == clock.now()
    async with sessions() as session:
        with pytest.raises(PledgeStateConflict):
            await after_success.mark_reward_fulfilled(
                session=session, clock=clock, actor=owner, pledge_id=mine.pledge.id
            )
