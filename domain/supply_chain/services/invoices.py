"""A supplier registers an invoice on a core enterprise; credit notes reduce it until the
core enterprise confirms it.

The invoice's fingerprint (fingerprint.py) is made of the supplier's verified business
licence, not of the registration number it types (which must be that licence's number): two
accounts of one company, or one account typing the number differently, register one invoice
once. It is unique among invoices that are not rejected: the insert is `ON CONFLICT DO
NOTHING` on that index, so whoever submits the same invoice, however often and however
concurrently, exactly one registration exists and the others are refused with
DUPLICATE_INVOICE. Registering is idempotent under the supplier's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.errors import InputRejected, InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.money import MAX_MINOR, Money, currency_of
from domain.participants.ports import SecretVault
from domain.supply_chain.errors import DilutionRefused, DuplicateInvoice, SupplierNotEligible
from domain.supply_chain.fingerprint import invoice_fingerprint, normalized
from domain.supply_chain.services.parties import (
    core_enterprise,
    verified_business,
    verified_licence,
)
from domain.supply_chain.services.reads import ReceivableView, receivable
from domain.supply_chain.services.updates import audit, lock_receivable, receivable_updated
from domain.supply_chain.states import InvoiceState
from domain.supply_chain.tables import Receivable

RECEIVABLES = Receivable.__table__  # type: ignore[attr-defined]
MAX_TENOR_DAYS = 720


@dataclass(frozen=True, slots=True)
class NewInvoice:
    buyer_id: UUID
    registration_number: str
    invoice_number: str
    amount: Money
    issued_on: date
    due_on: date
    goods_reference: str = ""


@dataclass(frozen=True, slots=True)
class InvoiceRegistered(StoredAnswer):
    receivable_id: UUID


def check_invoice(new: NewInvoice, today: date) -> None:
    """InputRejected listing every field that breaks a rule."""
    found: list[InvalidInput] = []
    currency_of(new.amount.currency, field="currency")
    if not 0 < new.amount.minor <= MAX_MINOR:
        found.append(InvalidInput("must be greater than zero", field="amount"))
    if not normalized(new.registration_number) or len(new.registration_number) > 40:
        found.append(InvalidInput("1 to 40 characters", field="registration_number"))
    if not normalized(new.invoice_number) or len(new.invoice_number) > 64:
        found.append(InvalidInput("1 to 64 characters", field="invoice_number"))
    if len(new.goods_reference) > 200:
        found.append(InvalidInput("at most 200 characters", field="goods_reference"))
    if new.issued_on > today:
        found.append(InvalidInput("must not be in the future", field="issued_on"))
    if new.due_on <= today or new.due_on <= new.issued_on:
        found.append(InvalidInput("must be after today and the issue date", field="due_on"))
    elif (new.due_on - new.issued_on).days > MAX_TENOR_DAYS:
        found.append(InvalidInput(f"at most {MAX_TENOR_DAYS} days after issue", field="due_on"))
    if found:
        raise InputRejected(found)


async def register_invoice(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    vault: SecretVault,
    new: NewInvoice,
    idempotency_key: str,
) -> ReceivableView:
    """Register an invoice on a core enterprise, SUBMITTED for its confirmation."""
    supplier_id = actor.require_participant()
    now = clock.now()
    check_invoice(new, now.date())

    async def execute() -> InvoiceRegistered:
        await verified_business(session, supplier_id, field="supplier", any_level=True)
        licence = await verified_licence(session, vault, supplier_id, new.registration_number)
        if new.buyer_id == supplier_id:
            raise SupplierNotEligible("you cannot invoice yourself", field="buyer_id")
        await core_enterprise(session, new.buyer_id)
        fingerprint = invoice_fingerprint(
            licence_fingerprint=licence,
            invoice_number=new.invoice_number,
            amount=new.amount.minor,
            currency=new.amount.currency,
            issued_on=new.issued_on,
        )
        row_id = uuid4()
        inserted = await (await session.connection()).execute(
            insert(RECEIVABLES)
            .values(
                id=row_id,
                supplier_id=supplier_id,
                buyer_id=new.buyer_id,
                registration_number=normalized(new.registration_number),
                invoice_number=new.invoice_number.strip(),
                goods_reference=new.goods_reference,
                currency=new.amount.currency,
                face_amount=new.amount.minor,
                amount=new.amount.minor,
                issued_on=new.issued_on,
                due_on=new.due_on,
                fingerprint=fingerprint,
                state=InvoiceState.SUBMITTED.value,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(
                index_elements=["fingerprint"], index_where=text("state <> 'REJECTED'")
            )
            .returning(RECEIVABLES.c.id)
        )
        if inserted.first() is None:
            raise DuplicateInvoice(
                "this invoice is registered already: an invoice is financed once",
                field="invoice_number",
            )
        row = await session.get(Receivable, row_id)
        assert row is not None
        await receivable_updated(session, row, "REGISTERED", now=now)
        audit(
            session,
            actor,
            "invoice.register",
            at=now,
            target=row,
            details={"amount": row.amount, "buyer": str(row.buyer_id)},
        )
        return InvoiceRegistered(receivable_id=row_id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="supply_chain.register_invoice",
        request={
            "buyer": str(new.buyer_id),
            "registration": new.registration_number,
            "number": new.invoice_number,
            "amount": new.amount.minor,
            "currency": new.amount.currency,
            "issued": new.issued_on.isoformat(),
            "due": new.due_on.isoformat(),
            "goods": new.goods_reference,
        },
        execute=execute,
        answer=InvoiceRegistered,
    )
    return await receivable(session, actor, answer.receivable_id)


async def apply_credit_note(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    receivable_id: UUID,
    amount: Money,
    reason: str,
) -> ReceivableView:
    """Reduce a submitted invoice by a credit note; DILUTION_REFUSED once it is confirmed."""
    me = actor.require_participant()
    now = clock.now()
    row = await lock_receivable(session, receivable_id)
    if me not in (row.supplier_id, row.buyer_id):
        raise NotFound("no such receivable", field="receivable_id")
    if amount.currency != row.currency or amount.minor <= 0:
        raise InvalidInput(f"a positive amount in {row.currency}", field="amount")
    if row.state != InvoiceState.SUBMITTED.value:
        raise DilutionRefused(
            "the core enterprise has confirmed this invoice: its amount is irrevocable",
            field="receivable_id",
        )
    if amount.minor >= row.amount:
        raise InvalidInput(
            "a credit note leaves something to pay: reject it instead", field="amount"
        )
    row.amount -= amount.minor
    row.updated_at = now
    session.add(row)
    await session.flush()
    await receivable_updated(session, row, "CREDITED", now=now)
    audit(
        session,
        actor,
        "invoice.credit_note",
        at=now,
        target=row,
        details={"amount": amount.minor, "reason": reason[:200]},
    )
    return await receivable(session, actor, row.id)
