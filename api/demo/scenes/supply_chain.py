"""Supply-chain finance: suppliers register their invoices on a core enterprise, which
confirms them (each becomes a transferable certificate of what it will pay at maturity); a
supplier splits a certificate to pay its own supplier with part of it; holders are paid early
by the partner bank's supply-chain offer through the matching engine; and at maturity the
worker collects from the core enterprise and pays whoever holds each certificate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, select

from api.demo.cast import member, top_up
from api.demo.scenes.lending import cast_of as lending_cast
from api.demo.world import CURRENCY, Member, World
from domain.lending.funding_terms import OfferKind, OfferTerms
from domain.lending.services.funding_offers import create_funding_offer
from domain.money import Money
from domain.participants.roles import Role
from domain.supply_chain.services.confirmations import confirm_invoice
from domain.supply_chain.services.financing import request_early_payment
from domain.supply_chain.services.invoices import NewInvoice, register_invoice
from domain.supply_chain.services.platform_book import BookTerms, set_platform_book
from domain.supply_chain.services.splitting import PartTransfer, split_certificate
from domain.supply_chain.states import CertificateState
from domain.supply_chain.tables import Certificate

BOOK_LIMIT = 100_000_000  # 1,000,000.00, as the bank's offer takes at most at once
LARGE_INVOICE = 150_000_000  # 1,500,000.00: more than either takes whole

SUPPLIERS = (
    ("steel", "Yangtze Steel Coils", "91310000MA1FL{:05d}"),
    ("parts", "Delta Precision Parts", "91440300MA5EQ{:05d}"),
    ("packing", "Hillside Packaging", "91330100MA2CD{:05d}"),
)


@dataclass
class Supplier:
    member: Member
    registration: str


@dataclass
class Cast:
    core: Member
    suppliers: list[Supplier]
    invoices: int = 0


def cast_of(world: World) -> Cast:
    cast = world.cast["supply_chain"]
    assert isinstance(cast, Cast)
    return cast


class SupplyChainScene:
    name = "supply_chain"
    order = 60

    async def setup(self, world: World) -> None:
        core = await member(
            world, "core", "Great Wall Motors Group", {Role.CORE_ENTERPRISE}, business=True
        )
        await top_up(world, core, 2_000_000_000)  # what it pays its certificates from
        # each verifies its business licence, which its invoices carry (one per seed: KYC
        # refuses a licence verified on another account already)
        licences = [pattern.format(world.seed % 10**5) for _, _, pattern in SUPPLIERS]
        suppliers = [
            Supplier(
                await member(world, stem, name, {Role.MERCHANT}, business=True, licence=number),
                number,
            )
            for (stem, name, _), number in zip(SUPPLIERS, licences, strict=True)
        ]
        world.accounts["core enterprise (Great Wall Motors Group)"] = core.email
        world.cast[self.name] = cast = Cast(core, suppliers)
        await bank_offer(world, core)
        await platform_book(world, core)
        # invoices from before the first day, falling due on its first two: paid at maturity
        for supplier in suppliers:
            due = world.started.date() + timedelta(days=world.rng.randint(0, 1))
            await invoice(world, cast, supplier, due)

    async def day(self, world: World, day: int) -> None:
        cast = cast_of(world)
        world.at(day, 13)
        # what the worker paid at maturity, through yesterday's end
        world.story["certificates paid at maturity"] = await paid_at_maturity(world, cast)
        supplier = world.rng.choice(cast.suppliers)
        due = world.clock.now().date() + timedelta(days=world.rng.randint(7, 60))
        certificate = await invoice(world, cast, supplier, due)
        if certificate is None:
            return
        world.at(day, 14)
        if day % 3 == 1:  # part of it pays the supplier's own supplier, who is paid early
            other = world.rng.choice([s for s in cast.suppliers if s is not supplier])
            part_id = await split(world, supplier, certificate, other)
            if part_id is not None:
                await early_payment(world, other, part_id)
        elif world.rng.random() < 0.5:
            await early_payment(world, supplier, certificate.id)
        if day == 2:  # one larger than any offer buys whole: the bank and the book share it
            large = await invoice(world, cast, cast.suppliers[0], due, amount=LARGE_INVOICE)
            if large is not None:
                await early_payment(world, cast.suppliers[0], large.id)


async def paid_at_maturity(world: World, cast: Cast) -> int:
    async with world.sessions() as session:
        found = await session.exec(
            select(func.count())
            .select_from(Certificate)
            .where(
                col(Certificate.buyer_id) == cast.core.id,
                col(Certificate.state) == CertificateState.PAID.value,
            )
        )
        return int(found.one())


async def bank_offer(world: World, core: Member) -> None:
    """The partner bank buys the core enterprise's certificates at 4.5 % a year or more."""
    lending = lending_cast(world)
    await top_up(world, lending.bank, 2_000_000_000)
    terms = OfferTerms(
        currency=CURRENCY,
        capacity=1_500_000_000,
        rate_floor=Decimal("0.045"),
        spread=None,
        grades=frozenset(),
        min_term_months=0,
        max_term_months=0,
        min_amount=100_000,
        max_amount=100_000_000,
        per_borrower_cap=500_000_000,
        expires_at=None,
        kind=OfferKind.SUPPLY_CHAIN.value,
        max_tenor_days=180,
        core_enterprise_ids=frozenset({core.id}),
    )
    await world.run(
        lambda session: create_funding_offer(
            session=session,
            clock=world.clock,
            actor=lending.bank_key,
            terms=terms,
            idempotency_key=world.key("scf-offer"),
        )
    )


async def platform_book(world: World, core: Member) -> None:
    """The operator lets the platform's book finance the core enterprise too, dearer than the
    bank (5 % a year) and up to 1,000,000.00: it takes what the bank cannot."""
    terms = BookTerms(
        allowed=True, currency=CURRENCY, discount_rate=Decimal("0.05"), limit=BOOK_LIMIT
    )
    await world.run(
        lambda session: set_platform_book(
            session=session,
            clock=world.clock,
            actor=world.operator,
            core_enterprise_id=core.id,
            terms=terms,
        )
    )


async def invoice(
    world: World, cast: Cast, supplier: Supplier, due_on: date, *, amount: int = 0
) -> Certificate | None:
    """The supplier registers an invoice (of `amount`, or one the dice choose); the core
    enterprise confirms it: the certificate."""
    cast.invoices += 1
    today = world.clock.now().date()
    amount = amount or world.amount(2_000_000, 30_000_000, 10_000)
    new = NewInvoice(
        buyer_id=cast.core.id,
        registration_number=supplier.registration,
        invoice_number=f"INV-{world.seed}-{cast.invoices:05d}",
        amount=Money(amount, CURRENCY),
        issued_on=today - timedelta(days=3),
        due_on=due_on,
        goods_reference=f"PO-{cast.invoices:05d}",
    )
    registered = await world.attempt(
        lambda session: register_invoice(
            session=session,
            clock=world.clock,
            actor=supplier.member.actor,
            vault=world.vault,
            new=new,
            idempotency_key=world.key("invoice"),
        )
    )
    if registered is None:
        return None
    receivable_id = registered.receivable.id
    confirmed = await world.attempt(
        lambda session: confirm_invoice(
            session=session, clock=world.clock, actor=cast.core.actor, receivable_id=receivable_id
        )
    )
    if confirmed is None:
        return None
    world.volume["supply chain"] += amount
    world.story["invoices confirmed by the core enterprise"] += 1
    return confirmed.certificates[0]


async def split(world: World, holder: Supplier, whole: Certificate, to: Supplier) -> UUID | None:
    """A third of the certificate to `to`: the part's id."""
    certificate_id = whole.id
    transfers = (PartTransfer(to.member.id, Money(whole.amount // 3, CURRENCY)),)
    made = await world.attempt(
        lambda session: split_certificate(
            session=session,
            clock=world.clock,
            actor=holder.member.actor,
            certificate_id=certificate_id,
            transfers=transfers,
            idempotency_key=world.key("split"),
        )
    )
    if made is None:
        return None
    world.story["certificates split"] += 1
    return made.parts[0].id


async def early_payment(world: World, holder: Supplier, certificate_id: UUID) -> None:
    paid = await world.attempt(
        lambda session: request_early_payment(
            session=session,
            clock=world.clock,
            actor=holder.member.actor,
            certificate_id=certificate_id,
            idempotency_key=world.key("early"),
        )
    )
    if paid is not None and paid.parts:
        world.story["certificates paid early in parts by several offers"] += 1
    elif paid is not None:
        world.story["certificates paid early by the bank"] += 1


SCENE = SupplyChainScene()
