"""Insurance: an insurer publishes a credit product (for loan cover offers) and a
return-shipping product; some shoppers bind return-shipping cover when they pay at checkout,
and when such a payment is refunded the refund opens the claim, settled by the product's
freight table and paid to the shopper from the insurer's wallet."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID, uuid4

from sqlalchemy import func
from sqlmodel import col, select

from api.demo.cast import member, top_up
from api.demo.scenes.commerce import Sale, checkout
from api.demo.scenes.commerce import cast_of as commerce_cast
from api.demo.world import CURRENCY, Member, World
from domain.insurance.premiums import PremiumBasis, PremiumRule
from domain.insurance.products import (
    Coverage,
    Distribution,
    DistributionModel,
    FreightBand,
    InsuranceTerms,
    ProductKind,
)
from domain.insurance.services.products import publish_product
from domain.insurance.states import ClaimState
from domain.insurance.tables import Claim
from domain.participants.roles import Role

# 1.5 % of the principal a year, 90 % of a default's loss, 10 % of premiums to the platform.
CREDIT = InsuranceTerms(
    code="DEMO-CREDIT",
    name="Loan default cover",
    kind=ProductKind.CREDIT,
    currency=CURRENCY,
    premium=PremiumRule(PremiumBasis.PERCENT, basis_points=150, minimum=100),
    coverage=Coverage(share=Decimal("0.9")),
    term_days=730,
    distribution=Distribution(DistributionModel.PLATFORM, commission_bps=1000),
)
# 1.00 a payment; 8.00 of freight on a payment up to 100.00, 12.00 above; 20 % to the platform.
RETURNS = InsuranceTerms(
    code="DEMO-RETURNS",
    name="Return shipping",
    kind=ProductKind.RETURN_SHIPPING,
    currency=CURRENCY,
    premium=PremiumRule(PremiumBasis.FIXED, amount=100),
    coverage=Coverage(share=Decimal(1), max_payout=2_000),
    term_days=60,
    distribution=Distribution(DistributionModel.PLATFORM, commission_bps=2000),
    freight_table=(FreightBand(10_000, 800), FreightBand(10**12, 1_200)),
    payout_hours=24,
)


@dataclass
class Cast:
    insurer: Member
    credit_product_id: UUID
    returns_product_id: UUID


def cast_of(world: World) -> Cast:
    cast = world.cast["insurance"]
    assert isinstance(cast, Cast)
    return cast


class InsuranceScene:
    name = "insurance"
    order = 35  # after commerce: its shops sell the covered checkouts

    async def setup(self, world: World) -> None:
        insurer = await member(world, "insurer", "Jade Mutual", {Role.INSURER}, business=True)
        await top_up(world, insurer, 50_000_000)  # what it pays claims from
        credit = await publish(world, insurer, CREDIT)
        returns = await publish(world, insurer, RETURNS)
        world.accounts["insurer (Jade Mutual)"] = insurer.email
        world.cast[self.name] = Cast(insurer, credit, returns)

    async def day(self, world: World, day: int) -> None:
        world.at(day, 17)
        for _ in range(world.rng.randint(1, 3)):
            await covered_checkout(world, day)
        # commerce's refunds (at 15:00) opened their claims and paid them
        world.story["return-shipping claims paid"] = await claims_paid(world, cast_of(world))


async def claims_paid(world: World, cast: Cast) -> int:
    async with world.sessions() as session:
        found = await session.exec(
            select(func.count())
            .select_from(Claim)
            .where(
                col(Claim.insurer_id) == cast.insurer.id,
                col(Claim.state) == ClaimState.PAID.value,
            )
        )
        return int(found.one())


async def publish(world: World, insurer: Member, terms: InsuranceTerms) -> UUID:
    product = await world.run(
        lambda session: publish_product(
            session=session, clock=world.clock, actor=insurer.actor, terms=terms
        )
    )
    world.story[f"insurance products published: {terms.kind.value.lower()}"] += 1
    return product.id


async def covered_checkout(world: World, day: int) -> None:
    """A shopper pays with return-shipping cover; commerce's follow-up the next day confirms
    it, or refunds half of it, which pays the cover's claim."""
    commerce = commerce_cast(world)
    product_id = cast_of(world).returns_product_id
    shop = world.rng.choice(commerce.shops)
    shopper = world.rng.choice(commerce.shoppers)
    amount = world.amount(5_000, 60_000, 100)
    fate = world.rng.choices(("CONFIRM", "REFUND"), (60, 40))[0]
    sale = Sale(shop, shopper, uuid4(), amount, day, fate)
    covered = await checkout(world, sale, "COVERED", cover_product_id=product_id)
    if covered is not None:
        world.story["checkouts with return-shipping cover"] += 1
        commerce.sales.append(covered)


SCENE = InsuranceScene()
