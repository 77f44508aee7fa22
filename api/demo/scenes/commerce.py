"""Third-party payment with escrow: merchants sell through their API keys with revenue splits
(a referrer's share, the platform's), shoppers pay from their wallets into escrow, merchants
ship, shoppers confirm (or the worker releases after the escrow period), some ask for a
refund, some open a dispute that the operator decides; the worker settles and pays out."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from uuid import UUID, uuid4

from api.demo.cast import api_key, member, top_up
from api.demo.world import CURRENCY, Member, World
from domain.actors import Actor
from domain.money import Money
from domain.participants.roles import Role, Scope
from domain.payments.services.disputes import Resolution, open_dispute, resolve_dispute
from domain.payments.services.intents import NewIntent, confirm_shipment, create_payment_intent
from domain.payments.services.paying import PaymentSource, pay_intent
from domain.payments.services.refunds import refund_payment
from domain.payments.services.release import confirm_receipt
from domain.payments.tables import PaymentIntent
from domain.revenue.services.split_rules import ShareInput, create_split_rule
from domain.revenue.splits import Role as SplitRole
from domain.wallets.rails import SimulatedRail

SHOPS = (("teahouse", "West Lake Tea House"), ("bikes", "Pearl River Bikes"))


@dataclass
class Shop:
    merchant: Member
    key: Actor


@dataclass
class Sale:
    shop: Shop
    shopper: Member
    payment_id: UUID
    amount: int
    day: int
    fate: str  # CONFIRM, AUTO_RELEASE, REFUND, DISPUTE


@dataclass
class Cast:
    shops: list[Shop]
    shoppers: list[Member]
    referrer: Member
    sales: list[Sale] = field(default_factory=list)
    disputes: list[UUID] = field(default_factory=list)


def cast_of(world: World) -> Cast:
    cast = world.cast["commerce"]
    assert isinstance(cast, Cast)
    return cast


class CommerceScene:
    name = "commerce"
    order = 30

    async def setup(self, world: World) -> None:
        referrer = await member(world, "referrer", "Lu Xun Reviews", {Role.INVESTOR})
        shops: list[Shop] = []
        for stem, name in SHOPS:
            merchant = await member(world, stem, name, {Role.MERCHANT}, business=True)
            key, secret = await api_key(
                world, merchant, "till", {Scope.PAYMENTS_READ, Scope.PAYMENTS_WRITE}
            )
            if not shops:
                world.accounts[f"merchant API key ({name})"] = secret
            shares = [
                ShareInput(SplitRole.MERCHANT, str(merchant.id), percent_bps=9000),
                ShareInput(SplitRole.REFERRER, str(referrer.id), percent_bps=700),
                ShareInput(SplitRole.PLATFORM, "platform", percent_bps=300),
            ]
            await split_rule(world, key, shares)
            shops.append(Shop(merchant, key))
        shoppers = []
        for n in range(8):
            shopper = await member(world, f"shopper{n + 1}", f"Shopper {n + 1}", {Role.INVESTOR})
            await top_up(world, shopper, world.amount(500_000, 2_000_000, 10_000))
            shoppers.append(shopper)
        world.cast[self.name] = Cast(shops, shoppers, referrer)

    async def day(self, world: World, day: int) -> None:
        cast = cast_of(world)
        world.at(day, 10)
        for _ in range(world.rng.randint(4, 8)):
            await sell(world, cast, day)
        world.at(day, 15)
        await follow_up(world, cast, day)
        world.at(day, 16)
        for dispute_id in cast.disputes:
            await decide(world, dispute_id)
        cast.disputes.clear()


async def split_rule(world: World, key: Actor, shares: list[ShareInput]) -> None:
    await world.run(
        lambda session: create_split_rule(
            session=session,
            clock=world.clock,
            actor=key,
            name="marketplace split",
            currency=CURRENCY,
            shares=shares,
            is_default=True,
        )
    )


async def order(world: World, shop: Shop, amount: int, reference: str) -> PaymentIntent:
    """The merchant's server asks for a payment (as `createPaymentIntent` with its key)."""
    return await world.run(
        lambda session: create_payment_intent(
            session=session,
            clock=world.clock,
            actor=shop.key,
            new=NewIntent(Money(amount, CURRENCY), reference),
            idempotency_key=world.key("order"),
        )
    )


async def sell(world: World, cast: Cast, day: int) -> None:
    """A shopper buys; the money waits in escrow; the merchant ships."""
    shop = world.rng.choice(cast.shops)
    shopper = world.rng.choice(cast.shoppers)
    amount = world.amount(2_000, 80_000, 100)
    fate = world.rng.choices(("CONFIRM", "AUTO_RELEASE", "REFUND", "DISPUTE"), (70, 18, 8, 4))[0]
    sale = await checkout(world, Sale(shop, shopper, uuid4(), amount, day, fate), "ORDER")
    if sale is None:  # the wallet ran dry: the shopper tops up for next time
        await top_up(world, shopper, 1_000_000)
        return
    cast.sales.append(sale)


async def checkout(
    world: World, sale: Sale, reference: str, *, cover_product_id: UUID | None = None
) -> Sale | None:
    """The sale ordered under a fresh reference, paid from the shopper's wallet (insured by
    `cover_product_id`, a return-shipping product, if given) and shipped: with its payment's
    id, or None when the payment was refused."""
    intent = await order(world, sale.shop, sale.amount, world.key(reference))
    paid = await world.attempt(
        lambda session: pay_intent(
            session=session,
            clock=world.clock,
            actor=sale.shopper.actor,
            rail=SimulatedRail(),
            payment_id=intent.id,
            source=PaymentSource.WALLET,
            idempotency_key=world.key("pay"),
            cover_product_id=cover_product_id,
        )
    )
    if paid is None:
        return None
    world.volume["payments"] += sale.amount
    await world.run(
        lambda session: confirm_shipment(
            session=session, clock=world.clock, actor=sale.shop.key, payment_id=intent.id
        )
    )
    return replace(sale, payment_id=intent.id)


async def follow_up(world: World, cast: Cast, day: int) -> None:
    """The day after a sale: the shopper confirms (and is refunded half, or not), or
    disputes it; the rest wait for the worker's auto-release."""
    for sale in [s for s in cast.sales if s.day == day - 1]:
        if sale.fate in ("CONFIRM", "REFUND"):
            await confirm(world, sale)
        if sale.fate == "REFUND":
            await refund_half(world, sale)
        elif sale.fate == "DISPUTE":
            await dispute(world, cast, sale)


async def confirm(world: World, sale: Sale) -> None:
    await world.attempt(
        lambda session: confirm_receipt(
            session=session,
            clock=world.clock,
            actor=sale.shopper.actor,
            payment_id=sale.payment_id,
            idempotency_key=world.key("receipt"),
        )
    )


async def refund_half(world: World, sale: Sale) -> None:
    refunded = await world.attempt(
        lambda session: refund_payment(
            session=session,
            clock=world.clock,
            actor=sale.shop.key,
            payment_id=sale.payment_id,
            amount=Money(sale.amount // 2, CURRENCY),
            reason="one item out of stock",
            idempotency_key=world.key("refund"),
        )
    )
    if refunded is not None:
        world.story["payments refunded in part"] += 1


async def dispute(world: World, cast: Cast, sale: Sale) -> None:
    opened = await world.attempt(
        lambda session: open_dispute(
            session=session,
            clock=world.clock,
            actor=sale.shopper.actor,
            payment_id=sale.payment_id,
            reason="the parcel arrived damaged",
        )
    )
    if opened is not None:
        world.story["disputes opened"] += 1
        cast.disputes.append(opened.dispute.id)


async def decide(world: World, dispute_id: UUID) -> None:
    """The operator sides with the shopper every other time."""
    resolution = world.rng.choice((Resolution.REFUND, Resolution.RELEASE))
    decided = await world.attempt(
        lambda session: resolve_dispute(
            session=session,
            clock=world.clock,
            actor=world.operator,
            dispute_id=dispute_id,
            resolution=resolution,
            refund_amount=None,
            note="decided on the photos sent",
            idempotency_key=world.key("dispute"),
        )
    )
    if decided is not None:
        world.story[f"disputes decided: {resolution.value.lower()}"] += 1


SCENE = CommerceScene()
