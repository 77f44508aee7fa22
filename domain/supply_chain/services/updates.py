"""What every supply-chain use case shares: locking rows, moving states, events, audit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.events.rows import payload_row
from domain.events.services.outbox import record_events
from domain.supply_chain.events import CertificateUpdated, ReceivableUpdated
from domain.supply_chain.states import (
    CertificateEvent,
    CertificateState,
    InvoiceEvent,
    InvoiceState,
    certificate_transition,
    invoice_transition,
)
from domain.supply_chain.tables import Certificate, Receivable


async def lock_receivable(session: AsyncSession, receivable_id: UUID) -> Receivable:
    """The invoice, its row locked until the transaction ends; NotFound if there is none."""
    row = await session.get(Receivable, receivable_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound("no such receivable", field="receivable_id")
    return row


async def lock_certificate(session: AsyncSession, certificate_id: UUID) -> Certificate:
    """The certificate, its row locked until the transaction ends; NotFound if none."""
    row = await session.get(
        Certificate, certificate_id, with_for_update=True, populate_existing=True
    )
    if row is None:
        raise NotFound("no such certificate", field="certificate_id")
    return row


def step_invoice(row: Receivable, event: InvoiceEvent, now: datetime) -> None:
    row.state = invoice_transition(InvoiceState(row.state), event).value
    row.updated_at = now


def step_certificate(row: Certificate, event: CertificateEvent, now: datetime) -> None:
    row.state = certificate_transition(CertificateState(row.state), event).value
    row.updated_at = now


def receivable_row(row: Receivable, change: str, now: datetime) -> dict[str, Any]:
    """The outbox row telling the supplier and the core enterprise how the invoice stands."""
    event = ReceivableUpdated(
        receivable_id=str(row.id),
        change=change,
        state=row.state,
        supplier_id=str(row.supplier_id),
        buyer_id=str(row.buyer_id),
        invoice_number=row.invoice_number,
        currency=row.currency,
        amount=row.amount,
        due_on=row.due_on.isoformat(),
        reason=row.reason,
    )
    audience = dict.fromkeys([row.supplier_id, row.buyer_id])
    return payload_row(event, aggregate_id=row.id, audience=audience, occurred_at=now)


async def receivable_updated(
    session: AsyncSession, row: Receivable, change: str, *, now: datetime
) -> None:
    """Tell the supplier and the core enterprise how the invoice stands after `change`."""
    await record_events(session, [receivable_row(row, change, now)])


def certificate_row(
    row: Certificate, change: str, now: datetime, audience: Iterable[UUID | None] = ()
) -> dict[str, Any]:
    """The outbox row telling the holder, the core enterprise (and `audience`: a seller, a
    new holder) how the certificate stands."""
    event = CertificateUpdated(
        certificate_id=str(row.id),
        receivable_id=str(row.receivable_id),
        change=change,
        state=row.state,
        holder_id=str(row.holder_id),
        buyer_id=str(row.buyer_id),
        currency=row.currency,
        amount=row.amount,
        due_on=row.due_on.isoformat(),
        days_past_due=row.days_past_due,
        bucket=row.bucket,
        penalty_accrued=row.penalty_accrued,
        parent_id=str(row.parent_id) if row.parent_id else None,
    )
    people = [row.holder_id, row.buyer_id, *(who for who in audience if who is not None)]
    return payload_row(event, aggregate_id=row.id, audience=dict.fromkeys(people), occurred_at=now)


async def certificate_updated(
    session: AsyncSession,
    row: Certificate,
    change: str,
    *,
    now: datetime,
    audience: Iterable[UUID | None] = (),
) -> None:
    """Tell the holder, the core enterprise (and `audience`) how the certificate stands."""
    await record_events(session, [certificate_row(row, change, now, audience)])


def audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    at: datetime,
    target: Receivable | Certificate,
    details: dict[str, Any] | None = None,
) -> None:
    """The audit entry of a supply-chain action (every obligation and money movement)."""
    record(
        session,
        actor=actor,
        action=f"supply_chain.{action}",
        outcome=Outcome.SUCCESS,
        at=at,
        target_type=type(target).__name__,
        target_id=target.id,
        details=details or {},
    )
