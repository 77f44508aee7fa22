"""Concurrency: many backers race for a tier's last units; pledges race the deadline job;
several workers close the same campaigns."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import col, func, select

from domain.actors import Actor
from domain.clock import FixedClock
from domain.crowdfunding.errors import CampaignNotLive, TierSoldOut
from domain.crowdfunding.services import pledge_checks, pledging
from domain.crowdfunding.services.campaigns import NewTier
from domain.crowdfunding.services.outcome import close_due_campaigns
from domain.crowdfunding.tables import Campaign, Pledge, RewardTier
from domain.errors import DomainError
from support.crowdfunding import (
    Sessions,
    backer,
    balance,
    cny,
    creator,
    ledger_consistent,
    live_campaign,
    pledge,
    reward_campaign,
)


async def test_fifty_backers_racing_for_the_last_five_units_buy_exactly_five(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    new = reward_campaign(goal=10_000, tiers=(NewTier("numbered edition", cny(1_000), quantity=8),))
    live = await live_campaign(sessions, clock, owner, new)
    tier = live.tiers[0]
    for _ in range(3):  # three units gone: five left
        await pledge(
            sessions,
            clock,
            await backer(sessions, clock, 10_000),
            live.campaign.id,
            1_000,
            tier_id=tier.id,
        )
    racers = [await backer(sessions, clock, 10_000) for _ in range(50)]

    async def attempt(who: object) -> str:
        try:
            await pledge(sessions, clock, who, live.campaign.id, 1_000, tier_id=tier.id)  # type: ignore[arg-type]
        except DomainError as error:
            return error.code
        return "OK"

    outcomes = await asyncio.gather(*(attempt(who) for who in racers))

    assert outcomes.count("OK") == 5
    assert outcomes.count(TierSoldOut.code) == 45
    async with sessions() as session:
        sold = await session.get(RewardTier, tier.id)
        assert sold is not None
        assert sold.taken == sold.quantity == 8
        campaign = await session.get(Campaign, live.campaign.id)
        assert campaign is not None
        assert (campaign.backers, campaign.pledged) == (8, 8_000)
    held = [await balance(sessions, who) for who in racers]
    assert sorted(held).count((9_000, 1_000)) == 5
    assert await ledger_consistent(sessions)


async def test_pledges_racing_the_deadline_job_either_count_or_are_refused(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    live = await live_campaign(sessions, clock, owner, reward_campaign(goal=5_000, tiers=()))
    racers = [await backer(sessions, clock, 10_000) for _ in range(20)]
    assert live.campaign.deadline is not None
    at_the_wire = FixedClock(live.campaign.deadline - timedelta(milliseconds=1))
    after = FixedClock(live.campaign.deadline)

    async def attempt(who: Actor) -> str:
        request = pledge_checks.PledgeRequest(live.campaign.id, cny(1_000))
        try:
            async with sessions() as session:
                await pledging.pledge(
                    session=session,
                    clock=at_the_wire,
                    actor=who,
                    request=request,
                    idempotency_key="at-the-wire",
                )
                await session.commit()
        except DomainError as error:
            return error.code
        return "OK"

    jobs = [close_due_campaigns(sessions, after) for _ in range(3)]
    *outcomes, closed_a, closed_b, closed_c = await asyncio.gather(
        *(attempt(who) for who in racers), *jobs
    )

    # A worker that finds the campaign locked by a pledge skips it; a later round takes it.
    later = await close_due_campaigns(sessions, after)
    assert closed_a + closed_b + closed_c + later == 1  # one settlement, whoever made it
    assert set(outcomes) <= {"OK", CampaignNotLive.code}
    counted = outcomes.count("OK")
    async with sessions() as session:
        campaign = await session.get(Campaign, live.campaign.id)
        assert campaign is not None
        live_left = (
            await session.exec(
                select(func.count()).where(
                    col(Pledge.campaign_id) == campaign.id, col(Pledge.state) == "ACTIVE"
                )
            )
        ).one()
    assert campaign.state == "SETTLED"
    assert live_left == 0  # nothing was left held
    assert campaign.captured == (counted * 1_000 if counted >= 5 else 0)
    for who, got in zip(racers, outcomes, strict=True):
        paid = 1_000 if got == "OK" and counted >= 5 else 0
        assert await balance(sessions, who) == (10_000 - paid, 0)
    assert await ledger_consistent(sessions)
