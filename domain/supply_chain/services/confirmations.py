"""The core enterprise confirms an invoice (an irrevocable undertaking to pay its amount on
its due date) or rejects it with a reason. Confirmation issues the invoice's certificate,
held by the supplier: the transferable claim that is split, financed and paid."""

from __future__ import annotations

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.participants.roles import Role
from domain.supply_chain.services.reads import ReceivableView, receivable
from domain.supply_chain.services.updates import (
    audit,
    certificate_updated,
    lock_receivable,
    receivable_updated,
    step_invoice,
)
from domain.supply_chain.states import CertificateState, InvoiceEvent
from domain.supply_chain.tables import Certificate, Receivable


async def _own_invoice(session: AsyncSession, actor: Actor, receivable_id: UUID) -> Receivable:
    me = actor.require_role(Role.CORE_ENTERPRISE)
    row = await lock_receivable(session, receivable_id)
    if row.buyer_id != me:
        raise NotFound("no such receivable", field="receivable_id")
    return row


async def confirm_invoice(
    *, session: AsyncSession, clock: Clock, actor: Actor, receivable_id: UUID
) -> ReceivableView:
    """Confirm a submitted invoice: its certificate is issued to the supplier."""
    now = clock.now()
    row = await _own_invoice(session, actor, receivable_id)
    step_invoice(row, InvoiceEvent.CONFIRM, now)
    row.decided_at = now
    certificate = Certificate(
        receivable_id=row.id,
        buyer_id=row.buyer_id,
        supplier_id=row.supplier_id,
        holder_id=row.supplier_id,
        currency=row.currency,
        amount=row.amount,
        due_on=row.due_on,
        state=CertificateState.HELD.value,
        created_at=now,
        updated_at=now,
    )
    session.add_all([row, certificate])
    await session.flush()
    await receivable_updated(session, row, "CONFIRMED", now=now)
    await certificate_updated(session, certificate, "ISSUED", now=now)
    audit(session, actor, "invoice.confirm", at=now, target=row, details={"amount": row.amount})
    return await receivable(session, actor, row.id)


async def reject_invoice(
    *, session: AsyncSession, clock: Clock, actor: Actor, receivable_id: UUID, reason: str
) -> ReceivableView:
    """Reject a submitted invoice, saying why (the supplier may register it again)."""
    reason = reason.strip()
    if not 0 < len(reason) <= 500:
        raise InvalidInput("say why, in at most 500 characters", field="reason")
    now = clock.now()
    row = await _own_invoice(session, actor, receivable_id)
    step_invoice(row, InvoiceEvent.REJECT, now)
    row.decided_at, row.reason = now, reason
    session.add(row)
    await session.flush()
    await receivable_updated(session, row, "REJECTED", now=now)
    audit(session, actor, "invoice.reject", at=now, target=row, details={"reason": reason})
    return await receivable(session, actor, row.id)
