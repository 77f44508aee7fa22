"""Advertising: the fund's asset manager promotes its fund (a CPC placement, its budget held
on its wallet); each day investors browse the funds list, where it shows first, labelled
sponsored, and some click it; the worker charges the day's clicks to revenue stream
`advertising` within the budget; two days on, the placement ends and the worker returns what
was not spent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from api.demo.cast import top_up
from api.demo.scenes.lending import cast_of as lending_cast
from api.demo.scenes.wealth import cast_of as wealth_cast
from api.demo.world import CURRENCY, Member, World
from domain.advertising.charging import Pricing
from domain.advertising.items import ItemKind
from domain.advertising.services.placements import create_placement
from domain.advertising.services.showing import ClickRecorded, Shown, click_promotion, promote
from domain.money import Money


@dataclass
class Cast:
    placement_id: UUID | None = None


class AdvertisingScene:
    name = "advertising"
    order = 60  # after wealth: the fund it promotes is listed by then

    async def setup(self, world: World) -> None:
        world.cast[self.name] = Cast()

    async def day(self, world: World, day: int) -> None:
        cast = world.cast[self.name]
        assert isinstance(cast, Cast)
        fund_id = wealth_cast(world).fund_id
        if fund_id is None:
            return
        world.at(day, 10)
        if cast.placement_id is None:
            cast.placement_id = await place(world, fund_id)
        if cast.placement_id is None:
            return
        world.at(day, 14)
        for investor in world.rng.sample(lending_cast(world).investors, k=4):
            await browse_and_click(world, fund_id, cast.placement_id, investor)


async def browse_and_click(world: World, fund_id: UUID, placement_id: UUID, who: Member) -> None:
    """The investor opens the funds list (the promoted fund first) and may click it."""

    async def browse(session: AsyncSession) -> dict[UUID, Shown]:
        now = world.clock.now()
        return await promote(
            session, kind=ItemKind.FUND, item_ids=[fund_id], viewer=who.id, now=now
        )

    async def click(session: AsyncSession) -> ClickRecorded:
        return await click_promotion(
            session=session, clock=world.clock, actor=who.actor, placement_id=placement_id
        )

    if not await world.run(browse):
        return
    world.story["promoted impressions"] += 1
    if world.rng.random() < 0.5:
        world.story["promoted clicks"] += (await world.run(click)).counted


async def place(world: World, fund_id: UUID) -> UUID | None:
    manager = wealth_cast(world).manager
    await top_up(world, manager, 50_000)
    placed = await world.attempt(
        lambda session: create_placement(
            session=session,
            clock=world.clock,
            actor=manager.actor,
            item_kind=ItemKind.FUND,
            item_id=fund_id,
            pricing=Pricing.CPC,
            bid=Money(80, CURRENCY),
            budget=Money(20_000, CURRENCY),
            ends_at=world.clock.now() + timedelta(days=2),
            idempotency_key=world.key("place-ad"),
        )
    )
    if placed is None:
        return None
    world.story["placements promoted"] += 1
    return placed.placement_id


SCENE = AdvertisingScene()
