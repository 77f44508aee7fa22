"""Supply-chain factories on the service layer: suppliers, core enterprises, banks, invoices."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.clock import FixedClock
from domain.money import Money
from domain.participants.credentials import ParticipantKind
from domain.participants.roles import Role
from domain.supply_chain.services import confirmations, invoices, splitting
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
