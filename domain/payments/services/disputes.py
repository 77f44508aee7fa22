"""Disputes: the shopper opens one while the money is held; the operator decides.

Resolutions: RELEASE (the merchant is right: captured and shared as usual), REFUND (the
hold is voided: everything back to the shopper) or PARTIAL (`refund_amount` back to the
shopper straight out of escrow, the rest captured and shared).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.insurance.services.return_shipping import claim_return_freight
from domain.ledger.services.holds import void_hold
from domain.money import Money
from domain.payments.errors import PaymentStateError
from domain.payments.escrow import can_open_dispute
from domain.payments.services.capture import capture
from domain.payments.services.intents import ESCROW_TERMS
from domain.payments.services.release import release
from domain.payments.services.updates import (
    check_transition,
    intent_now,
    locked_intent,
    locked_shopper_intent,
    transition,
)
from domain.payments.states import PaymentEvent, PaymentState
from domain.payments.tables import Dispute, PaymentIntent, PaymentRefund


class Resolution(Enum):
    RELEASE = "RELEASE"
    REFUND = "REFUND"
    PARTIAL = "PARTIAL"


@dataclass(frozen=True, slots=True)
class DisputeWritten:
    """A dispute as a use case left it (or, for a replayed decision, as it is now), and its
    payment."""

    dispute: Dispute
    intent: PaymentIntent


async def open_dispute(
    *, session: AsyncSession, clock: Clock, actor: Actor, payment_id: UUID, reason: str
) -> DisputeWritten:
    """The shopper disputes a held payment before it is auto-released; release stops."""
    shopper_id = actor.require_person()
    if not 10 <= len(reason.strip()) <= 500:
        raise InvalidInput("say what went wrong in 10..500 characters", field="reason")
    now = clock.now()
    intent = await locked_shopper_intent(session, payment_id, shopper_id)
    if not can_open_dispute(
        state=PaymentState(intent.state),
        now=now,
        shipped_at=intent.shipped_at,
        terms=ESCROW_TERMS,
        extensions=intent.release_extensions,
    ):
        raise PaymentStateError("a dispute opens only while the money is held", field="payment_id")
    dispute = Dispute(
        payment_id=intent.id, opened_by=shopper_id, reason=reason.strip(), opened_at=now
    )
    session.add(dispute)
    await transition(session, intent, PaymentEvent.OPEN_DISPUTE, now)
    return DisputeWritten(dispute, intent)


async def payment_disputes(
    session: AsyncSession, *, actor: Actor, open_only: bool, ids: Collection[UUID] | None = None
) -> list[Dispute]:
    """The operator's queue (oldest first); only those of `ids` when given."""
    actor.require_operator()
    query = select(Dispute)
    if open_only:
        query = query.where(col(Dispute.state) == "OPEN")
    if ids is not None:
        query = query.where(col(Dispute.id).in_(ids))
    return list((await session.exec(query.order_by(col(Dispute.opened_at)).limit(500))).all())


async def _refund_from_escrow(
    session: AsyncSession, intent: PaymentIntent, amount: int, actor: Actor, now: datetime
) -> None:
    """Record what the escrow gave back; a return-shipping cover's claim opens with it."""
    await claim_return_freight(session, intent, now=now)
    intent.escrow_refunded_amount += amount
    session.add(
        PaymentRefund(
            payment_id=intent.id,
            amount=amount,
            currency=intent.currency,
            source="ESCROW",
            reason="dispute",
            created_by=actor.participant_id,
            created_at=now,
        )
    )


@dataclass(frozen=True, slots=True)
class DisputeKept(StoredAnswer):
    """What a decision's key keeps: the dispute and its payment."""

    dispute_id: UUID
    payment_id: UUID


async def resolve_dispute(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    dispute_id: UUID,
    resolution: Resolution,
    refund_amount: Money | None,
    note: str,
    idempotency_key: str,
) -> DisputeWritten:
    """The operator's decision on an open dispute; audited."""
    actor.require_operator()
    dispute = await session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFound("no such dispute", field="dispute_id")

    written: list[DisputeWritten] = []

    async def execute() -> DisputeKept:
        now = clock.now()
        assert dispute is not None
        intent = await locked_intent(session, dispute.payment_id)
        await session.refresh(dispute)
        if dispute.state != "OPEN":
            raise PaymentStateError("this dispute is already resolved", field="dispute_id")
        back = 0
        if resolution is Resolution.RELEASE:
            await release(session, intent, now, PaymentEvent.RESOLVE_RELEASE)
        elif resolution is Resolution.REFUND:
            check_transition(intent, PaymentEvent.RESOLVE_REFUND)
            assert intent.hold_id is not None
            await void_hold(session, hold_id=intent.hold_id, now=now)
            back = intent.amount
            await _refund_from_escrow(session, intent, back, actor, now)
            await transition(session, intent, PaymentEvent.RESOLVE_REFUND, now)
        else:
            if refund_amount is None or refund_amount.currency != intent.currency:
                raise InvalidInput(
                    f"give the part to refund, in {intent.currency}", field="refund_amount"
                )
            back = refund_amount.minor
            if not 0 < back < intent.amount:
                raise InvalidInput(
                    "must be more than 0 and less than the payment", field="refund_amount"
                )
            check_transition(intent, PaymentEvent.RESOLVE_PARTIAL)
            await capture(session, intent, amount=intent.amount - back, now=now)
            await _refund_from_escrow(session, intent, back, actor, now)
            await transition(session, intent, PaymentEvent.RESOLVE_PARTIAL, now)
        dispute.state, dispute.resolution, dispute.refund_amount = (
            "RESOLVED",
            resolution.value,
            back,
        )
        dispute.note, dispute.resolved_by, dispute.resolved_at = (
            note[:500],
            actor.participant_id,
            now,
        )
        session.add(dispute)
        record(
            session,
            actor=actor,
            action="payments.resolve_dispute",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="Dispute",
            target_id=dispute.id,
            details={"resolution": resolution.value, "refund": back},
        )
        written.append(DisputeWritten(dispute, intent))
        return DisputeKept(dispute_id=dispute.id, payment_id=intent.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="payments.resolve",
        request={
            "dispute": str(dispute_id),
            "resolution": resolution.value,
            "refund": refund_amount.minor if refund_amount else None,
            "note": note,
        },
        execute=execute,
        answer=DisputeKept,
    )
    if written:
        return written[0]
    await session.refresh(dispute)  # as it is now: the session holds an older copy
    return DisputeWritten(dispute, await intent_now(session, answer.payment_id))
