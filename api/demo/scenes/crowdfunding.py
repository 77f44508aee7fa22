"""Crowdfunding: every ten days a maker launches a reward campaign (all-or-nothing) and a
charity a donation campaign (keep-it-all); the operator approves them, investors pledge from
their wallets (held until the deadline), and the worker settles each one at its deadline."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from api.demo.cast import member
from api.demo.scenes.lending import cast_of as lending_cast
from api.demo.world import CURRENCY, Member, World
from domain.crowdfunding.services.campaigns import (
    NewCampaign,
    NewTier,
    create_campaign,
    review_campaign,
    submit_campaign,
)
from domain.crowdfunding.services.pledge_checks import PledgeRequest
from domain.crowdfunding.services.pledging import pledge
from domain.crowdfunding.services.reads import CampaignView
from domain.crowdfunding.states import CampaignKind, FundingModel
from domain.money import Money
from domain.participants.roles import Role

EVERY_DAYS = 10


@dataclass
class Cast:
    maker: Member
    charity: Member
    live: list[CampaignView] = field(default_factory=list)


def cast_of(world: World) -> Cast:
    cast = world.cast["crowdfunding"]
    assert isinstance(cast, Cast)
    return cast


class CrowdfundingScene:
    name = "crowdfunding"
    order = 50

    async def setup(self, world: World) -> None:
        maker = await member(world, "maker", "Kettle Works", {Role.BORROWER})
        charity = await member(world, "charity", "River Schools Fund", {Role.BORROWER})
        world.cast[self.name] = Cast(maker, charity)

    async def day(self, world: World, day: int) -> None:
        cast = cast_of(world)
        world.at(day, 8)
        if day % EVERY_DAYS == 1:
            cast.live = [
                await launch(world, cast.maker, reward_campaign(day)),
                await launch(world, cast.charity, donation_campaign(day)),
            ]
        world.at(day, 11)
        live = [
            v for v in cast.live if (v.campaign.deadline or world.clock.now()) > world.clock.now()
        ]
        for investor in world.rng.sample(lending_cast(world).investors, k=3):
            if live:
                await back(world, investor, world.rng.choice(live))


def reward_campaign(day: int) -> NewCampaign:
    return NewCampaign(
        kind=CampaignKind.REWARD,
        funding_model=FundingModel.ALL_OR_NOTHING,
        goal=Money(100_000, CURRENCY),
        duration_days=2,
        title=f"The everlasting kettle, batch {day // EVERY_DAYS + 1}",
        description="A cast-iron kettle made to outlive its owner.",
        category="design",
        tiers=(
            NewTier("early bird", Money(20_000, CURRENCY), quantity=20),
            NewTier("numbered edition", Money(80_000, CURRENCY), quantity=5),
        ),
    )


def donation_campaign(day: int) -> NewCampaign:
    return NewCampaign(
        kind=CampaignKind.DONATION,
        funding_model=FundingModel.KEEP_IT_ALL,
        goal=Money(5_000_000, CURRENCY),
        duration_days=EVERY_DAYS - 1,
        title=f"Books for river schools, round {day // EVERY_DAYS + 1}",
        category="education",
    )


async def launch(world: World, creator: Member, new: NewCampaign) -> CampaignView:
    """Drafted and submitted by its creator, approved by the operator: live."""
    draft = await world.run(
        lambda session: create_campaign(
            session=session, clock=world.clock, actor=creator.actor, new=new
        )
    )
    campaign_id = draft.campaign.id
    await world.run(
        lambda session: submit_campaign(
            session=session, clock=world.clock, actor=creator.actor, campaign_id=campaign_id
        )
    )
    live = await world.run(
        lambda session: review_campaign(
            session=session,
            clock=world.clock,
            actor=world.operator,
            campaign_id=campaign_id,
            approve=True,
            reason="",
        )
    )
    world.story[f"{new.kind.value.lower()} campaigns launched"] += 1
    return live


async def back(world: World, backer: Member, view: CampaignView) -> None:
    tier_id: UUID | None = None
    if view.tiers:
        tier = world.rng.choice(view.tiers)
        tier_id, amount = tier.id, tier.minimum
    else:
        amount = world.amount(10_000, 200_000, 1_000)
    pledged = await world.attempt(
        lambda session: pledge(
            session=session,
            clock=world.clock,
            actor=backer.actor,
            request=PledgeRequest(view.campaign.id, Money(amount, CURRENCY), tier_id),
            idempotency_key=world.key("pledge"),
        )
    )
    if pledged is not None:
        world.volume["crowdfunding"] += amount
        world.story["pledges"] += 1


SCENE = CrowdfundingScene()
