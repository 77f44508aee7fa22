"""Reading receivables and certificates, each as its parties may see it.

An invoice is seen by its supplier, its core enterprise and operators; a certificate by its
holder, the supplier that sold it, its core enterprise and operators. To anyone else it does
not exist (NotFound, the same answer as for a missing one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.supply_chain.states import OUTSTANDING, CertificateState, InvoiceState
from domain.supply_chain.tables import Certificate, Receivable

OWED = tuple(state.value for state in OUTSTANDING)
CERTIFICATES = Certificate.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ReceivableView:
    """An invoice and its certificates (none until it is confirmed)."""

    receivable: Receivable
    certificates: tuple[Certificate, ...]


@dataclass(frozen=True, slots=True)
class PayablesTotal:
    """What a core enterprise owes the programme on confirmed receivables, in one currency."""

    buyer_id: UUID
    currency: str
    amount: int
    certificates: int
    overdue: int  # of which past due


def may_see_receivable(actor: Actor, row: Receivable) -> bool:
    me = actor.participant_id
    return actor.is_operator or (me is not None and me in (row.supplier_id, row.buyer_id))


def may_see_certificate(actor: Actor, row: Certificate) -> bool:
    # `seller_id` is None until it is financed: an anonymous caller's None must never match.
    me = actor.participant_id
    parties = (row.holder_id, row.seller_id, row.financier_id, row.buyer_id, row.supplier_id)
    return actor.is_operator or (me is not None and me in parties)


async def certificates_of(session: AsyncSession, receivable_id: UUID) -> tuple[Certificate, ...]:
    rows = await session.exec(
        select(Certificate)
        .where(col(Certificate.receivable_id) == receivable_id)
        .order_by(col(Certificate.created_at), col(Certificate.id))
    )
    return tuple(rows.all())


async def receivable(session: AsyncSession, actor: Actor, receivable_id: UUID) -> ReceivableView:
    row = await session.get(Receivable, receivable_id)
    if row is None or not may_see_receivable(actor, row):
        raise NotFound("no such receivable", field="receivable_id")
    return ReceivableView(row, await certificates_of(session, row.id))


async def certificate(session: AsyncSession, actor: Actor, certificate_id: UUID) -> Certificate:
    row = await session.get(Certificate, certificate_id)
    if row is None or not may_see_certificate(actor, row):
        raise NotFound("no such certificate", field="certificate_id")
    return row


async def my_receivables(
    session: AsyncSession, actor: Actor, *, limit: int = 100
) -> list[Receivable]:
    """The caller's invoices as a supplier, newest first."""
    me = actor.require_participant()
    rows = await session.exec(
        select(Receivable)
        .where(col(Receivable.supplier_id) == me)
        .order_by(col(Receivable.created_at).desc(), col(Receivable.id))
        .limit(limit)
    )
    return list(rows.all())


async def invoices_to_confirm(
    session: AsyncSession, actor: Actor, *, limit: int = 100
) -> list[Receivable]:
    """A core enterprise's invoices waiting for its decision, oldest first."""
    me = actor.require_participant()
    rows = await session.exec(
        select(Receivable)
        .where(
            col(Receivable.buyer_id) == me,
            col(Receivable.state) == InvoiceState.SUBMITTED.value,
        )
        .order_by(col(Receivable.created_at), col(Receivable.id))
        .limit(limit)
    )
    return list(rows.all())


async def my_certificates(
    session: AsyncSession, actor: Actor, *, states: tuple[CertificateState, ...] = ()
) -> list[Certificate]:
    """The certificates the caller holds (as a supplier, its supplier or a financier), by
    due date."""
    me = actor.require_participant()
    wanted = [s.value for s in states] or OWED
    rows = await session.exec(
        select(Certificate)
        .where(col(Certificate.holder_id) == me, col(Certificate.state).in_(wanted))
        .order_by(col(Certificate.due_on), col(Certificate.id))
    )
    return list(rows.all())


async def payables(
    session: AsyncSession, actor: Actor, *, due_by: date | None = None
) -> list[Certificate]:
    """What a core enterprise owes, certificate by certificate, by due date."""
    me = actor.require_participant()
    query = select(Certificate).where(
        col(Certificate.buyer_id) == me, col(Certificate.state).in_(OWED)
    )
    if due_by is not None:
        query = query.where(col(Certificate.due_on) <= due_by)
    rows = await session.exec(query.order_by(col(Certificate.due_on), col(Certificate.id)))
    return list(rows.all())


async def confirmed_payables(
    session: AsyncSession, *, buyer_id: UUID | None = None
) -> list[PayablesTotal]:
    """Per core enterprise (or only `buyer_id`) and currency: what it owes, one total."""
    c = CERTIFICATES.c
    overdue = func.count().filter(c.state == CertificateState.OVERDUE.value)
    query = (
        sa.select(c.buyer_id, c.currency, func.sum(c.amount), func.count(), overdue)
        .where(c.state.in_(OWED))
        .group_by(c.buyer_id, c.currency)
        .order_by(c.buyer_id, c.currency)
    )
    if buyer_id is not None:
        query = query.where(c.buyer_id == buyer_id)
    rows = await (await session.connection()).execute(query)
    return [
        PayablesTotal(buyer, currency, int(total), int(count), int(late))
        for buyer, currency, total, count, late in rows
    ]
