"""A holder splits a certificate and pays its own suppliers with parts of it.

Each part is a new HELD certificate of the same invoice, due date and core enterprise's
undertaking; the parts sum to the certificate exactly (splits.py) and the split certificate
is SPLIT for good. Each recipient is a verified business. Idempotent under the holder's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.money import Money
from domain.supply_chain.errors import SplitRefused
from domain.supply_chain.services.parties import verified_business
from domain.supply_chain.services.updates import (
    audit,
    certificate_updated,
    lock_certificate,
    step_certificate,
)
from domain.supply_chain.splits import split_certificate as plan_split
from domain.supply_chain.states import CertificateEvent, CertificateState
from domain.supply_chain.tables import Certificate


@dataclass(frozen=True, slots=True)
class PartTransfer:
    """A part of `amount` to `recipient_id` (the holder's own supplier)."""

    recipient_id: UUID
    amount: Money


@dataclass(frozen=True, slots=True)
class CertificateSplit(StoredAnswer):
    """The split certificate and its parts, in the order asked, the holder's rest last."""

    certificate_id: UUID
    part_ids: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class SplitView:
    certificate: Certificate
    parts: tuple[Certificate, ...]


def split_into(
    whole: Certificate, parts: list[tuple[UUID, int]], now: datetime
) -> list[Certificate]:
    """The (held) certificate SPLIT into new HELD parts of (holder, amount), each keeping its
    invoice, core enterprise and due date; the amounts are the caller's, summing to it."""
    assert sum(amount for _, amount in parts) == whole.amount
    step_certificate(whole, CertificateEvent.SPLIT, now)
    return [
        Certificate(
            receivable_id=whole.receivable_id,
            parent_id=whole.id,
            buyer_id=whole.buyer_id,
            supplier_id=whole.supplier_id,
            holder_id=holder,
            currency=whole.currency,
            amount=amount,
            due_on=whole.due_on,
            state=CertificateState.HELD.value,
            created_at=now,
            updated_at=now,
        )
        for holder, amount in parts
    ]


async def split_certificate(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    certificate_id: UUID,
    transfers: tuple[PartTransfer, ...],
    idempotency_key: str,
) -> SplitView:
    """Split a held certificate: each transfer goes to its recipient, the rest stays."""
    holder_id = actor.require_participant()

    async def execute() -> CertificateSplit:
        now = clock.now()
        whole = await lock_certificate(session, certificate_id)
        if whole.holder_id != holder_id:
            raise NotFound("no such certificate", field="certificate_id")
        if whole.state != CertificateState.HELD.value:
            raise SplitRefused(
                f"a {whole.state} certificate cannot be split", field="certificate_id"
            )
        if whole.due_on <= now.date():
            raise SplitRefused(
                "a certificate due today or past due is paid, not split", field="certificate_id"
            )
        for transfer in transfers:
            if transfer.amount.currency != whole.currency:
                raise InvalidInput(f"parts are in {whole.currency}", field="parts")
            if transfer.recipient_id == holder_id:
                raise SplitRefused("a part goes to one of your suppliers", field="parts")
            await verified_business(session, transfer.recipient_id, field="parts")
        amounts = plan_split(whole.amount, [t.amount.minor for t in transfers])
        holders = [t.recipient_id for t in transfers] + [holder_id] * (
            len(amounts) - len(transfers)
        )
        parts = split_into(whole, list(zip(holders, amounts, strict=True)), now)
        session.add_all([whole, *parts])
        await session.flush()
        await certificate_updated(session, whole, "SPLIT", now=now)
        for part in parts:
            await certificate_updated(session, part, "TRANSFERRED", now=now, audience=[holder_id])
        audit(
            session,
            actor,
            "certificate.split",
            at=now,
            target=whole,
            details={"parts": [[str(p.holder_id), p.amount] for p in parts]},
        )
        return CertificateSplit(certificate_id=whole.id, part_ids=tuple(p.id for p in parts))

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="supply_chain.split_certificate",
        request={
            "certificate": str(certificate_id),
            "parts": [[str(t.recipient_id), t.amount.minor, t.amount.currency] for t in transfers],
        },
        execute=execute,
        answer=CertificateSplit,
    )
    whole = await session.get(Certificate, answer.certificate_id)
    assert whole is not None
    parts = [await session.get(Certificate, part_id) for part_id in answer.part_ids]
    return SplitView(whole, tuple(p for p in parts if p is not None))
