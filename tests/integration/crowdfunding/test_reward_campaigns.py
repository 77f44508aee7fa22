"""Reward and donation campaigns from draft to settlement, on the real ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from domain.clock import FixedClock
from domain.crowdfunding.errors import (
    CampaignNotLive,
    CampaignStateConflict,
    CreatorNotEligible,
    PledgeLocked,
    PledgeRefused,
    TierSoldOut,
)
from domain.crowdfunding.services import campaigns, pledge_changes, pledge_checks, pledging
from domain.crowdfunding.services.campaigns import NewTier
from domain.crowdfunding.states import CampaignState, FundingModel, PledgeState
from domain.crowdfunding.tables import Campaign, Pledge
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from support.crowdfunding import (
    Sessions,
    backer,
    balance,
    cny,
    creator,
    donation_campaign,
    equity_campaign,
    ledger_consistent,
    live_campaign,
    operator,
    past_deadline,
    pledge,
    revenue,
    reward_campaign,
)
from support.lending_world import participant


async def _pledges(sessions: Sessions, campaign_id: object) -> list[Pledge]:
    async with sessions() as session:
        rows = await session.exec(
            select(Pledge)
            .where(col(Pledge.campaign_id) == campaign_id)
            .order_by(col(Pledge.created_at))
        )
        return list(rows.all())


async def _campaign(sessions: Sessions, campaign_id: object) -> Campaign:
    async with sessions() as session:
        found = await session.get(Campaign, campaign_id)
        assert found is not None
        return found


async def test_an_all_or_nothing_campaign_that_reaches_its_goal_pays_the_creator_less_the_fee(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    live = await live_campaign(sessions, clock, owner, reward_campaign(goal=100_000))
    cid, [tier] = live.campaign.id, live.tiers
    alice, bob, carol, dan = [await backer(sessions, clock) for _ in range(4)]

    await pledge(sessions, clock, alice, cid, 40_000, tier_id=tier.id)
    await pledge(sessions, clock, bob, cid, 30_000, tier_id=tier.id)
    with pytest.raises(TierSoldOut):
        await pledge(sessions, clock, carol, cid, 30_000, tier_id=tier.id)
    await pledge(sessions, clock, carol, cid, 30_000)
    doomed = await pledge(sessions, clock, dan, cid, 5_000)
    async with sessions() as session:
        await pledge_changes.cancel_pledge(
            session=session, clock=clock, actor=dan, pledge_id=doomed.pledge.id, idempotency_key="x"
        )
        await session.commit()

    assert await balance(sessions, alice) == (960_000, 40_000)  # held, not captured
    assert await balance(sessions, dan) == (1_000_000, 0)
    assert await balance(sessions, owner) == (0, 0)
    assert await past_deadline(sessions, clock, live) == 1

    done = await _campaign(sessions, cid)
    assert done.state == CampaignState.SETTLED.value
    assert (done.captured, done.fee, done.backers) == (100_000, 5_000, 3)
    assert await balance(sessions, owner) == (95_000, 0)
    assert await balance(sessions, alice) == (960_000, 0)
    assert await revenue(sessions, "crowdfunding_fee") == 5_000
    rows = await _pledges(sessions, cid)
    assert [r.state for r in rows] == ["CAPTURED", "CAPTURED", "CAPTURED", "CANCELLED"]
    assert [r.fee for r in rows[:3]] == [2_000, 1_500, 1_500]
    assert await ledger_consistent(sessions)
    assert await past_deadline(sessions, clock, live) == 0  # settled once


async def test_a_campaign_short_of_its_goal_releases_every_hold_to_the_cent(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    live = await live_campaign(sessions, clock, owner, reward_campaign(goal=100_000))
    backers = [await backer(sessions, clock, funds=50_000 + i) for i in range(3)]
    for i, who in enumerate(backers):
        await pledge(sessions, clock, who, live.campaign.id, 10_000 + i)

    await past_deadline(sessions, clock, live)

    done = await _campaign(sessions, live.campaign.id)
    assert done.state == CampaignState.SETTLED.value
    assert (done.captured, done.fee) == (0, 0)
    for i, who in enumerate(backers):
        assert await balance(sessions, who) == (50_000 + i, 0)
    assert {r.state for r in await _pledges(sessions, live.campaign.id)} == {"RELEASED"}
    assert await balance(sessions, owner) == (0, 0)
    assert await ledger_consistent(sessions)


async def test_keep_it_all_donations_keep_what_was_given_and_tips_go_to_the_platform(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    live = await live_campaign(sessions, clock, owner, donation_campaign(goal=1_000_000))
    giver = await backer(sessions, clock)

    await pledge(sessions, clock, giver, live.campaign.id, 20_000, tip=cny(1_000))
    assert await balance(sessions, giver) == (979_000, 21_000)
    await past_deadline(sessions, clock, live)

    assert await balance(sessions, owner) == (20_000, 0)  # donations pay no fee
    assert await balance(sessions, giver) == (979_000, 0)
    assert await revenue(sessions, "crowdfunding_tip") == 1_000
    assert await ledger_consistent(sessions)


async def test_in_the_last_day_a_pledge_cannot_take_the_campaign_back_below_its_goal(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    live = await live_campaign(sessions, clock, owner, reward_campaign(goal=50_000, tiers=()))
    big, small = await backer(sessions, clock), await backer(sessions, clock)
    mine = await pledge(sessions, clock, big, live.campaign.id, 45_000)
    await pledge(sessions, clock, small, live.campaign.id, 10_000)
    assert live.campaign.deadline is not None
    clock.set(live.campaign.deadline - timedelta(hours=12))

    async with sessions() as session:
        with pytest.raises(PledgeLocked):
            await pledge_changes.cancel_pledge(
                session=session,
                clock=clock,
                actor=big,
                pledge_id=mine.pledge.id,
                idempotency_key="c",
            )
    async with sessions() as session:  # 55,000 -> 50,000 keeps the goal
        reduced = await pledge_changes.reduce_pledge(
            session=session,
            clock=clock,
            actor=big,
            pledge_id=mine.pledge.id,
            amount=cny(40_000),
            idempotency_key="r",
        )
        await session.commit()
    assert reduced.campaign.pledged == 50_000
    assert await balance(sessions, big) == (960_000, 40_000)
    assert await ledger_consistent(sessions)


async def test_pledges_are_refused_outside_a_live_campaign_and_by_its_creator(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    live = await live_campaign(sessions, clock, owner, reward_campaign())
    someone = await backer(sessions, clock)

    with pytest.raises(PledgeRefused):
        await pledge(sessions, clock, owner, live.campaign.id, 10_000)
    with pytest.raises(PledgeRefused):  # below the tier's minimum
        await pledge(sessions, clock, someone, live.campaign.id, 5_000, tier_id=live.tiers[0].id)
    await past_deadline(sessions, clock, live)
    with pytest.raises(CampaignNotLive):
        await pledge(sessions, clock, someone, live.campaign.id, 10_000)


async def test_a_pledge_replayed_with_its_key_holds_once(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    live = await live_campaign(sessions, clock, owner, reward_campaign())
    who = await backer(sessions, clock)
    request = pledge_checks.PledgeRequest(live.campaign.id, cny(12_000))

    made = []
    for _ in range(2):
        async with sessions() as session:
            made.append(
                await pledging.pledge(
                    session=session, clock=clock, actor=who, request=request, idempotency_key="k1"
                )
            )
            await session.commit()

    assert made[0].pledge.id == made[1].pledge.id
    assert await balance(sessions, who) == (988_000, 12_000)


async def test_only_a_verified_creator_drafts_and_only_a_business_raises_equity(
    sessions: Sessions, clock: FixedClock
) -> None:
    unverified = await participant(sessions, clock, {Role.BORROWER}, kyc_level=0)
    person = await creator(sessions, clock)
    business = await participant(sessions, clock, {Role.BORROWER}, kind=ParticipantKind.BUSINESS)

    async with sessions() as session:
        with pytest.raises(CreatorNotEligible):
            await campaigns.create_campaign(
                session=session, clock=clock, actor=unverified, new=reward_campaign()
            )
        with pytest.raises(CreatorNotEligible):
            await campaigns.create_campaign(
                session=session, clock=clock, actor=person, new=equity_campaign()
            )
        made = await campaigns.create_campaign(
            session=session, clock=clock, actor=business, new=equity_campaign()
        )
    assert made.campaign.state == CampaignState.DRAFT.value


async def test_an_operator_rejects_a_submission_with_a_reason_and_it_never_goes_live(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    reviewer = await operator(sessions, clock)
    async with sessions() as session:
        draft = await campaigns.create_campaign(
            session=session,
            clock=clock,
            actor=owner,
            new=reward_campaign(model=FundingModel.KEEP_IT_ALL),
        )
        await campaigns.submit_campaign(
            session=session, clock=clock, actor=owner, campaign_id=draft.campaign.id
        )
        rejected = await campaigns.review_campaign(
            session=session,
            clock=clock,
            actor=reviewer,
            campaign_id=draft.campaign.id,
            approve=False,
            reason="the kettle is a teapot",
        )
        await session.commit()
    assert rejected.campaign.state == CampaignState.REJECTED.value
    assert rejected.campaign.review_reason == "the kettle is a teapot"
    async with sessions() as session:
        with pytest.raises(CampaignStateConflict):
            await campaigns.review_campaign(
                session=session,
                clock=clock,
                actor=reviewer,
                campaign_id=draft.campaign.id,
                approve=True,
                reason="",
            )


async def test_an_unlimited_tier_and_a_pledge_without_a_reward_both_count(
    sessions: Sessions, clock: FixedClock
) -> None:
    owner = await creator(sessions, clock)
    new = reward_campaign(goal=20_000, tiers=(NewTier("thanks", cny(1_000)),))
    live = await live_campaign(sessions, clock, owner, new)
    a, b = await backer(sessions, clock), await backer(sessions, clock)

    await pledge(sessions, clock, a, live.campaign.id, 10_000, tier_id=live.tiers[0].id)
    await pledge(sessions, clock, b, live.campaign.id, 10_000)
    await past_deadline(sessions, clock, live)

    rows = await _pledges(sessions, live.campaign.id)
    assert [r.state for r in rows] == [PledgeState.CAPTURED.value] * 2
    assert await balance(sessions, owner) == (19_000, 0)
