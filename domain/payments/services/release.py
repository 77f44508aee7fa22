"""Releasing escrow to the merchant and the split parties: on the shopper's confirmation, or
by the worker once the auto-release time after shipment has passed.

The worker claims one due payment at a time with FOR UPDATE SKIP LOCKED (several workers
never wait on or release the same one) and releases it in a transaction of its own. A
refund, dispute or cancellation racing it locks the same row, so each sees the other's end.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.payments.escrow import release_due
from domain.payments.services.capture import capture
from domain.payments.services.intents import ESCROW_TERMS
from domain.payments.services.updates import (
    check_transition,
    intent_once,
    locked_intent,
    locked_shopper_intent,
    require_payment,
    transition,
)
from domain.payments.states import PaymentEvent, PaymentState
from domain.payments.tables import PaymentIntent
from domain.unit_of_work import transaction


async def release(
    session: AsyncSession, intent: PaymentIntent, now: datetime, event: PaymentEvent
) -> None:
    """Capture all of a held (or disputed) payment and share it out (the intent is locked)."""
    check_transition(intent, event)
    await capture(session, intent, amount=intent.amount, now=now)
    await transition(session, intent, event, now)


async def confirm_receipt(
    *, session: AsyncSession, clock: Clock, actor: Actor, payment_id: UUID, idempotency_key: str
) -> PaymentIntent:
    """The shopper got the goods: the money goes to the merchant and the split parties."""
    shopper_id = actor.require_person()
    await require_payment(session, payment_id, shopper_id=shopper_id)

    async def execute() -> PaymentIntent:
        now = clock.now()
        intent = await locked_shopper_intent(session, payment_id, shopper_id)
        await release(session, intent, now, PaymentEvent.RELEASE)
        record(
            session,
            actor=actor,
            action="payments.confirm_receipt",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="PaymentIntent",
            target_id=intent.id,
        )
        return intent

    return await intent_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="payments.confirm",
        request={"payment": str(payment_id)},
        execute=execute,
    )


CLAIM_DUE_RELEASE = text(
    """
    SELECT id FROM payment_intent
    WHERE state = 'HELD' AND auto_release_at IS NOT NULL AND auto_release_at <= :now
    ORDER BY auto_release_at
    LIMIT 1
    FOR UPDATE SKIP LOCKED
    """
)


async def release_one_due(session: AsyncSession, clock: Clock) -> UUID | None:
    """Release the earliest due payment no other worker holds; its id, or None."""
    now = clock.now()
    payment_id = (
        await (await session.connection()).execute(CLAIM_DUE_RELEASE, {"now": now})
    ).scalar()
    if payment_id is None:
        return None
    intent = await locked_intent(session, payment_id)  # already ours: loads the row
    if not release_due(
        state=PaymentState(intent.state),
        now=now,
        shipped_at=intent.shipped_at,
        terms=ESCROW_TERMS,
        extensions=intent.release_extensions,
    ):
        return None
    await release(session, intent, now, PaymentEvent.RELEASE)
    record(
        session,
        actor=Actor.system(),
        action="payments.auto_release",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="PaymentIntent",
        target_id=intent.id,
    )
    return intent.id


async def release_due_payments(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, limit: int = 500
) -> int:
    """Release up to `limit` due payments, one transaction each; how many were released."""
    released = 0
    for _ in range(limit):
        async with transaction(sessions) as session:
            if await release_one_due(session, clock) is None:
                break
            released += 1
    return released
