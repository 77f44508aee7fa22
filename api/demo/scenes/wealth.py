"""Wealth: an asset manager's money-market fund, listed by the operator on the first day;
investors subscribe from their wallets, the manager publishes each closed day's income per
10,000 units and the worker posts it (and the management fee) at the day's end; some
investors redeem, T+0 within the instant quota or T+1, paid by the worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from api.demo.cast import member
from api.demo.scenes.lending import cast_of as lending_cast
from api.demo.world import CURRENCY, Member, World
from domain.money import Money
from domain.participants.roles import Role
from domain.wealth.caps import CURRENT_CAPS
from domain.wealth.redemption import Speed
from domain.wealth.services.funds import NewFund, create_fund, publish_fund_income
from domain.wealth.services.redeem import redeem_fund
from domain.wealth.services.subscribe import subscribe_fund


@dataclass
class Holding:
    investor: Member
    amount: int
    day: int


@dataclass
class Cast:
    manager: Member
    fund_id: UUID | None = None
    holdings: list[Holding] = field(default_factory=list)


def cast_of(world: World) -> Cast:
    cast = world.cast["wealth"]
    assert isinstance(cast, Cast)
    return cast


class WealthScene:
    name = "wealth"
    order = 55

    async def setup(self, world: World) -> None:
        manager = await member(
            world, "manager", "Pine Asset Management", {Role.ASSET_MANAGER}, business=True
        )
        world.accounts["asset manager (Pine Asset Management)"] = manager.email
        world.cast[self.name] = Cast(manager)

    async def day(self, world: World, day: int) -> None:
        cast = cast_of(world)
        world.at(day, 9)
        if cast.fund_id is None:
            cast.fund_id = await list_fund(world, cast.manager)
        fund_id = cast.fund_id
        if day >= 3:  # the fund earns from the day after it listed; a day closes at midnight
            await publish_income(world, cast.manager, fund_id, day - 1)
        world.at(day, 13)
        for investor in world.rng.sample(lending_cast(world).investors, k=2):
            await subscribe(world, cast, fund_id, investor, day)
        world.at(day, 18)
        earlier = [h for h in cast.holdings if h.day < day and h.amount >= 4_000]
        if earlier and world.rng.random() < 0.6:
            await redeem(world, fund_id, world.rng.choice(earlier))


async def list_fund(world: World, manager: Member) -> UUID:
    fund = await world.run(
        lambda session: create_fund(
            session=session,
            clock=world.clock,
            actor=world.operator,
            new=NewFund(
                name="Pine Cash Reserve",
                manager_id=manager.id,
                currency=CURRENCY,
                management_fee_rate=Decimal("0.003"),
                caps_version=CURRENT_CAPS.version,
            ),
        )
    )
    world.story["money-market funds listed"] += 1
    return fund.id


async def publish_income(world: World, manager: Member, fund_id: UUID, day: int) -> None:
    """The income per 10,000 units of simulated `day` (closed): about 2 % a year."""
    rate = Decimal(world.rng.randint(4_800, 6_200)).scaleb(-4)
    published = await world.attempt(
        lambda session: publish_fund_income(
            session=session,
            clock=world.clock,
            actor=manager.actor,
            fund_id=fund_id,
            day=(world.started + timedelta(days=day - 1)).date(),
            income_per_10k=rate,
        )
    )
    if published is not None:
        world.story["fund days' income published"] += 1


async def subscribe(world: World, cast: Cast, fund_id: UUID, investor: Member, day: int) -> None:
    amount = world.amount(10_000, 500_000, 1_000)
    bought = await world.attempt(
        lambda session: subscribe_fund(
            session=session,
            clock=world.clock,
            actor=investor.actor,
            fund_id=fund_id,
            amount=Money(amount, CURRENCY),
            idempotency_key=world.key("subscribe"),
        )
    )
    if bought is not None:
        world.volume["wealth"] += amount
        world.story["fund subscriptions"] += 1
        cast.holdings.append(Holding(investor, amount, day))


async def redeem(world: World, fund_id: UUID, holding: Holding) -> None:
    """Part of an earlier subscription back to the wallet, at once or the next business day."""
    speed = world.rng.choice((Speed.INSTANT, Speed.STANDARD))
    amount = world.amount(1_000, holding.amount // 2, 1_000)
    redeemed = await world.attempt(
        lambda session: redeem_fund(
            session=session,
            clock=world.clock,
            actor=holding.investor.actor,
            fund_id=fund_id,
            amount=Money(amount, CURRENCY),
            speed=speed,
            idempotency_key=world.key("redeem"),
        )
    )
    if redeemed is not None:
        holding.amount -= amount
        world.story[f"fund redemptions: {speed.value.lower()}"] += 1


SCENE = WealthScene()
