"""Consumer credit at checkout (BNPL): shoppers ask the risk engine for a credit line, then
pay some purchases in 3, 6 or 12 instalments; partner banks' offers fund them through the
matching engine, the platform's book the rest, and the worker debits what falls due."""

from __future__ import annotations

from api.demo.scenes.commerce import Shop, cast_of, order
from api.demo.world import CURRENCY, Member, World
from domain.consumer_credit.services.checkout import pay_in_installments
from domain.consumer_credit.services.credit_decisions import decide_bnpl_credit
from domain.consumer_credit.services.repayments import PlanWritten


class BnplScene:
    name = "bnpl"
    order = 40

    async def setup(self, world: World) -> None:
        for shopper in cast_of(world).shoppers:
            await ask_for_credit(world, shopper)

    async def day(self, world: World, day: int) -> None:
        cast = cast_of(world)
        world.at(day, 12)
        for _ in range(world.rng.randint(1, 3)):
            shop = world.rng.choice(cast.shops)
            shopper = world.rng.choice(cast.shoppers)
            await buy_in_installments(world, shop, shopper)


async def ask_for_credit(world: World, shopper: Member) -> None:
    await world.attempt(
        lambda session: decide_bnpl_credit(
            session=session,
            clock=world.clock,
            actor=shopper.actor,
            currency=CURRENCY,
            declared_monthly_income=world.rng.choice((300_000, 600_000, 1_200_000)),
        )
    )


async def buy_in_installments(world: World, shop: Shop, shopper: Member) -> PlanWritten | None:
    """The merchant is paid at once; the shopper owes the plan's instalments."""
    amount = world.amount(30_000, 300_000, 1_000)
    intent = await order(world, shop, amount, f"BNPL-{world.seed}-{world.key('o')}")
    count = world.rng.choice((3, 6, 12))
    plan = await world.attempt(
        lambda session: pay_in_installments(
            session=session,
            clock=world.clock,
            actor=shopper.actor,
            payment_id=intent.id,
            installments=count,
            idempotency_key=world.key("bnpl"),
        )
    )
    if plan is None:
        return None
    world.volume["bnpl"] += amount
    world.story[f"purchases paid in {count} instalments"] += 1
    return plan


SCENE = BnplScene()
