"""Pledges grouped into batches per campaign (the API's path): each caller answered once, the
campaign's totals and the books exact, a tier's stock never oversold, and no pledge slipping
in past the deadline job."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import col, func, select

from domain.actors import Actor
from domain.clock import FixedClock
from domain.crowdfunding.errors import CampaignNotLive, PledgeRefused, TierSoldOut
from domain.crowdfunding.services.campaigns import NewTier
from domain.crowdfunding.services.outcome import close_due_campaigns
from domain.crowdfunding.services.pledge_batch import PledgeOrder
from domain.crowdfunding.services.pledge_checks import PledgeRequest
from domain.crowdfunding.services.pledge_queue import PledgeQueue
from domain.crowdfunding.tables import Campaign, Pledge, RewardTier
from domain.events.catalog import EventType
from domain.events.tables import OutboxEvent
from domain.ledger.errors import InsufficientFunds
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from support.crowdfunding import (
    Sessions,
    backer,
    balance,
    cny,
    creator,
    debt_campaign,
    donation_campaign,
    ledger_consistent,
    live_campaign,
    reward_campaign,
)
from support.lending_world import participant, product_row


def order(who: Actor, request: PledgeRequest, key: str = "k") -> PledgeOrder:
    return PledgeOrder(who, request, key)


async def live_count(sessions: Sessions, campaign_id: object) -> int:
    async with sessions() as session:
        return (
            await session.exec(
                select(func.count()).where(
                    col(Pledge.campaign_id) == campaign_id, col(Pledge.state) == "ACTIVE"
                )
            )
        ).one()


async def test_concurrent_pledges_share_batches_and_each_caller_is_answered_once(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    live = await live_campaign(sessions, clock, owner, donation_campaign(goal=1_000_000))
    racers = [await backer(sessions, clock, 10_000) for _ in range(24)]
    queue = PledgeQueue(sessions, clock)
    request = PledgeRequest(live.campaign.id, cny(1_000), tip=cny(10))
    orders = [order(who, request) for who in racers]
    again = orders[0]  # the same key and input as the first: a replay
    twice = order(racers[1], request, "other-key")  # a second live pledge: refused
    results = await asyncio.gather(*(queue.submit(o) for o in [*orders, again, twice]))

    answers = [r.unwrap() for r in results[:25]]
    assert len({a.pledge_id for a in answers}) == 24
    assert answers[24] == answers[0]
    assert isinstance(results[25].refusal, PledgeRefused)
    assert queue.orders == 26
    assert queue.batches < 24  # grouped
    first = results[1]
    assert first.view is not None
    assert first.campaign is not None
    assert first.view.pledge.amount == 1_000
    async with sessions() as session:
        campaign = await session.get(Campaign, live.campaign.id)
        assert campaign is not None
        assert (campaign.backers, campaign.pledged, campaign.tips) == (24, 24_000, 240)
    assert await live_count(sessions, live.campaign.id) == 24
    for who in racers:
        assert await balance(sessions, who) == (8_990, 1_010)
    async with sessions() as session:  # one campaignUpdated per batch, heard by its backers
        updates = (
            await session.exec(
                select(OutboxEvent).where(
                    col(OutboxEvent.type) == EventType.CAMPAIGN_UPDATED.value,
                    col(OutboxEvent.aggregate_id) == str(live.campaign.id),
                )
            )
        ).all()
    audiences = [e.audience for e in updates if e.payload["change"] == "PLEDGED"]
    assert len(audiences) <= queue.batches
    assert {who.participant_id for who in racers} <= {p for a in audiences for p in a}
    assert await ledger_consistent(sessions)


async def test_batched_racers_for_the_last_units_buy_exactly_the_stock(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    new = reward_campaign(goal=10_000, tiers=(NewTier("numbered", cny(1_000), quantity=5),))
    live = await live_campaign(sessions, clock, owner, new)
    tier = live.tiers[0]
    broke = await backer(sessions, clock, 500)  # takes a unit, cannot hold: gives it back
    racers = [broke, *[await backer(sessions, clock, 10_000) for _ in range(20)]]
    queue = PledgeQueue(sessions, clock)
    request = PledgeRequest(live.campaign.id, cny(1_000), tier_id=tier.id)
    results = await asyncio.gather(*(queue.submit(order(who, request)) for who in racers))

    assert isinstance(results[0].refusal, InsufficientFunds)
    codes = [r.refusal.code if r.refusal else "OK" for r in results[1:]]
    assert codes.count("OK") == 5
    assert codes.count(TierSoldOut.code) == 15
    async with sessions() as session:
        sold = await session.get(RewardTier, tier.id)
        assert sold is not None
        assert sold.taken == 5
    assert await balance(sessions, broke) == (500, 0)
    assert await ledger_consistent(sessions)


async def test_batched_pledges_racing_the_deadline_job_are_settled_exactly_once(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    live = await live_campaign(sessions, clock, owner, reward_campaign(goal=5_000, tiers=()))
    racers = [await backer(sessions, clock, 10_000) for _ in range(30)]
    assert live.campaign.deadline is not None
    at_the_wire = FixedClock(live.campaign.deadline - timedelta(milliseconds=1))
    after = FixedClock(live.campaign.deadline)
    # Three processes' queues: their batches and the workers race for the campaign's row.
    queues = [PledgeQueue(sessions, at_the_wire, max_batch=4) for _ in range(3)]
    request = PledgeRequest(live.campaign.id, cny(1_000))

    async def attempt(n: int, who: Actor) -> str:
        result = await queues[n % 3].submit(order(who, request))
        return result.refusal.code if result.refusal else "OK"

    pledges = [attempt(n, who) for n, who in enumerate(racers)]
    jobs = [close_due_campaigns(sessions, after) for _ in range(3)]
    *outcomes, closed_a, closed_b, closed_c = await asyncio.gather(*pledges, *jobs)

    later = await close_due_campaigns(sessions, after)  # a worker that found it locked skipped
    assert closed_a + closed_b + closed_c + later == 1  # one settlement, whoever made it
    assert set(outcomes) <= {"OK", CampaignNotLive.code}
    counted = outcomes.count("OK")
    assert await live_count(sessions, live.campaign.id) == 0  # nothing slipped in after it
    async with sessions() as session:
        campaign = await session.get(Campaign, live.campaign.id)
        assert campaign is not None
        settled = (
            await session.exec(
                select(func.count()).where(
                    col(Pledge.campaign_id) == campaign.id,
                    col(Pledge.state).in_(["CAPTURED", "RELEASED"]),
                )
            )
        ).one()
    assert campaign.state == "SETTLED"
    assert settled == counted  # every accepted pledge settled once, no other
    assert campaign.captured == (counted * 1_000 if counted >= 5 else 0)
    for who, got in zip(racers, outcomes, strict=True):
        paid = 1_000 if got == "OK" and counted >= 5 else 0
        assert await balance(sessions, who) == (10_000 - paid, 0)
    assert await ledger_consistent(sessions)


async def test_batched_lenders_never_take_a_debt_campaign_past_its_goal(
    sessions: Sessions, clock: FixedClock
) -> None:
    product = product_row(clock.now())
    async with sessions() as session:
        session.add(product)
        await session.commit()
    issuer = await participant(sessions, clock, {Role.BORROWER}, kind=ParticipantKind.BUSINESS)
    live = await live_campaign(sessions, clock, issuer, debt_campaign(product.id, goal=500_000))
    lenders = [await backer(sessions, clock) for _ in range(12)]
    queue = PledgeQueue(sessions, clock)
    request = PledgeRequest(live.campaign.id, cny(100_000))
    results = await asyncio.gather(*(queue.submit(order(who, request)) for who in lenders))

    codes = [r.refusal.code if r.refusal else "OK" for r in results]
    assert codes.count("OK") == 5  # the goal is the loan's principal: exactly five fit
    assert codes.count(PledgeRefused.code) == 7
    async with sessions() as session:
        campaign = await session.get(Campaign, live.campaign.id)
        assert campaign is not None
        assert (campaign.pledged, campaign.backers) == (500_000, 5)
    assert await ledger_consistent(sessions)
