"""Supply-chain factories on the service layer: suppliers, core enterprises, banks, invoices."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import FixedClock
from domain.lending.funding_terms import OfferKind, OfferTerms
from domain.lending.services import funding_offers
from domain.money import Money
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from domain.supply_chain.services import confirmations, financing, invoices, maturity, splitting
from domain.supply_chain.services.financing import EarlyPayment, EarlyPaymentOffer
from domain.supply_chain.services.invoices import NewInvoice
from domain.supply_chain.services.reads import ReceivableView
from domain.supply_chain.services.splitting import PartTransfer, SplitView
from support.lending_world import participant

Sessions = async_sessionmaker[AsyncSession]
_keys = itertools.count(1)
_invoices = itertools.count(1)


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


def key(prefix: str = "scf") -> str:
    return f"{prefix}-{next(_keys)}"


async def supplier(sessions: Sessions, clock: FixedClock) -> Actor:
    """A verified business (it registers invoices, or receives parts of certificates)."""
    return await participant(sessions, clock, {Role.MERCHANT}, kind=ParticipantKind.BUSINESS)


async def core(sessions: Sessions, clock: FixedClock) -> Actor:
    return await participant(sessions, clock, {Role.CORE_ENTERPRISE}, kind=ParticipantKind.BUSINESS)


def invoice(
    buyer: Actor,
    clock: FixedClock,
    amount: int = 1_000_000_00,
    *,
    number: str | None = None,
    days: int = 90,
    registration: str = "91310000MA1FL0001X",
) -> NewInvoice:
    today: date = clock.now().date()
    assert buyer.participant_id is not None
    return NewInvoice(
        buyer_id=buyer.participant_id,
        registration_number=registration,
        invoice_number=number or f"INV-{next(_invoices):06d}",
        amount=cny(amount),
        issued_on=today - timedelta(days=5),
        due_on=today + timedelta(days=days),
        goods_reference="PO-2026-77 steel coils",
    )


async def register(
    sessions: Sessions, clock: FixedClock, who: Actor, new: NewInvoice, *, idem: str | None = None
) -> ReceivableView:
    async with sessions() as session:
        view = await invoices.register_invoice(
            session=session, clock=clock, actor=who, new=new, idempotency_key=idem or key()
        )
        await session.commit()
    return view


async def confirm(
    sessions: Sessions, clock: FixedClock, buyer: Actor, receivable_id: UUID
) -> ReceivableView:
    async with sessions() as session:
        view = await confirmations.confirm_invoice(
            session=session, clock=clock, actor=buyer, receivable_id=receivable_id
        )
        await session.commit()
    return view


async def confirmed(
    sessions: Sessions,
    clock: FixedClock,
    who: Actor,
    buyer: Actor,
    amount: int = 1_000_000_00,
    *,
    days: int = 90,
) -> ReceivableView:
    """An invoice registered by `who` and confirmed by `buyer`: one HELD certificate."""
    view = await register(sessions, clock, who, invoice(buyer, clock, amount, days=days))
    return await confirm(sessions, clock, buyer, view.receivable.id)


async def split(
    sessions: Sessions,
    clock: FixedClock,
    holder: Actor,
    certificate_id: UUID,
    parts: list[tuple[Actor, int]],
) -> SplitView:
    transfers = tuple(
        PartTransfer(who.participant_id, cny(amount))  # type: ignore[arg-type]
        for who, amount in parts
    )
    async with sessions() as session:
        view = await splitting.split_certificate(
            session=session,
            clock=clock,
            actor=holder,
            certificate_id=certificate_id,
            transfers=transfers,
            idempotency_key=key("split"),
        )
        await session.commit()
    return view


async def bank(sessions: Sessions, clock: FixedClock) -> Actor:
    return await participant(sessions, clock, {Role.PARTNER_BANK}, kind=ParticipantKind.BUSINESS)


def scf_terms(
    rate: str,
    *,
    credit_line: int = 10_000_000_00,
    capacity: int = 100_000_000_00,
    tenor: int = 180,
    cores: frozenset[UUID] = frozenset(),
    min_amount: int = 1_000_00,
    max_amount: int = 50_000_000_00,
) -> OfferTerms:
    return OfferTerms(
        currency="CNY",
        capacity=capacity,
        rate_floor=Decimal(rate),
        spread=None,
        grades=frozenset(),
        min_term_months=0,
        max_term_months=0,
        min_amount=min_amount,
        max_amount=max_amount,
        per_borrower_cap=credit_line,
        expires_at=None,
        kind=OfferKind.SUPPLY_CHAIN.value,
        max_tenor_days=tenor,
        core_enterprise_ids=cores,
    )


async def scf_offer(sessions: Sessions, clock: FixedClock, who: Actor, terms: OfferTerms) -> UUID:
    async with sessions() as session:
        row = await funding_offers.create_funding_offer(
            session=session, clock=clock, actor=who, terms=terms, idempotency_key=key("offer")
        )
        await session.commit()
    return row.id


async def finance(
    sessions: Sessions,
    clock: FixedClock,
    holder: Actor,
    certificate_id: UUID,
    *,
    idem: str | None = None,
) -> EarlyPayment:
    async with sessions() as session:
        paid = await financing.request_early_payment(
            session=session,
            clock=clock,
            actor=holder,
            certificate_id=certificate_id,
            idempotency_key=idem or key("early"),
        )
        await session.commit()
    return paid


async def quote(
    sessions: Sessions, clock: FixedClock, holder: Actor, certificate_id: UUID
) -> EarlyPaymentOffer:
    async with sessions() as session:
        return await financing.quote_early_payment(
            session=session, clock=clock, actor=holder, certificate_id=certificate_id
        )


async def account_balance(
    sessions: Sessions, kind: str, *, owner: UUID | None = None, label: str = ""
) -> int:
    """credits - debits posted of one CNY account (0 if it was never opened)."""
    async with sessions() as session:
        found = await (await session.connection()).execute(
            text(
                "SELECT credits_posted - debits_posted FROM ledger_account WHERE kind = :kind"
                " AND currency = 'CNY' AND owner_id IS NOT DISTINCT FROM :owner AND label = :label"
            ),
            {"kind": kind, "owner": owner, "label": label},
        )
        return int(found.scalar() or 0)


async def parties(sessions: Sessions, clock: FixedClock) -> tuple[Actor, Actor, Actor]:
    """A supplier, a core enterprise and a bank."""
    return await supplier(sessions, clock), await core(sessions, clock), await bank(sessions, clock)


async def pay(sessions: Sessions, clock: FixedClock, buyer: Actor, receivable_id: UUID) -> None:
    """The core enterprise pays a confirmed invoice by hand."""
    async with sessions() as session:
        await maturity.pay_receivable(
            session=session,
            clock=clock,
            actor=buyer,
            receivable_id=receivable_id,
            idempotency_key=key("pay"),
        )
        await session.commit()
