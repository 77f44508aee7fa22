"""Moving an intent through its transition table, and telling everyone concerned."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.events.rows import payload_row
from domain.events.services.outbox import record_events
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.payments.errors import PaymentStateError
from domain.payments.events import PaymentUpdated
from domain.payments.states import IllegalTransition, PaymentEvent, PaymentState, next_state
from domain.payments.tables import PaymentIntent
from domain.revenue.splits import Role


async def locked_intent(session: AsyncSession, payment_id: UUID) -> PaymentIntent:
    """The intent, its row locked until the transaction ends: every change to a payment
    (pay, release, refund, dispute) takes this lock first, so they happen one at a time."""
    intent = (
        await session.exec(
            select(PaymentIntent)
            .where(col(PaymentIntent.id) == payment_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).first()
    if intent is None:
        raise NotFound("no such payment", field="payment_id")
    return intent


async def locked_shopper_intent(
    session: AsyncSession, payment_id: UUID, shopper_id: UUID
) -> PaymentIntent:
    """The shopper's own payment, locked; another's is NotFound, as a missing one."""
    intent = await locked_intent(session, payment_id)
    if intent.shopper_id != shopper_id:
        raise NotFound("no such payment", field="payment_id")
    return intent


def audience(intent: PaymentIntent) -> list[UUID]:
    """Merchant, shopper and every participant the captured split paid."""
    people = {intent.merchant_id}
    if intent.shopper_id is not None:
        people.add(intent.shopper_id)
    for leg in intent.captured_split.get("legs", []):
        if leg["role"] != Role.PLATFORM.value:
            people.add(UUID(leg["partyId"]))
    return sorted(people, key=str)


def payment_updated(intent: PaymentIntent) -> PaymentUpdated:
    """The payments.payment_updated event of the intent as it is now."""
    return PaymentUpdated(
        payment_id=str(intent.id),
        state=intent.state,
        mode=intent.mode,
        order_reference=intent.order_reference,
        currency=intent.currency,
        amount=intent.amount,
        captured=intent.captured_amount,
        refunded=intent.refunded_total,
        fee=intent.fee_amount,
        shipped_at=intent.shipped_at.isoformat() if intent.shipped_at else None,
        auto_release_at=intent.auto_release_at.isoformat() if intent.auto_release_at else None,
    )


def updated_event(intent: PaymentIntent, now: datetime) -> dict[str, Any]:
    """The payments.payment_updated outbox row of the intent as it is now."""
    return payload_row(
        payment_updated(intent),
        aggregate_id=intent.id,
        audience=audience(intent),
        occurred_at=now,
    )


@dataclass(frozen=True, slots=True)
class PaymentWritten(StoredAnswer):
    """What the key of a use case writing one payment keeps: the payment and, when the use
    case says (paying), the state it left it in."""

    payment_id: UUID
    state: str | None = None


async def intent_once(
    session: AsyncSession,
    *,
    actor: Actor,
    clock: Clock,
    key: str,
    operation: str,
    request: dict[str, Any],
    execute: Callable[[], Awaitable[PaymentIntent]],
    keep_state: bool = False,
) -> PaymentIntent:
    """run_once for a use case writing one payment: the intent `execute()` wrote (no round
    trip), or for a replayed answer the intent as it is now (read afresh: the session may
    hold an older copy)."""
    written: list[PaymentIntent] = []

    async def run() -> PaymentWritten:
        intent = await execute()
        written.append(intent)
        return PaymentWritten(intent.id, intent.state if keep_state else None)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=key,
        operation=operation,
        request=request,
        execute=run,
        answer=PaymentWritten,
    )
    if written:
        return written[0]
    return await intent_now(session, answer.payment_id)


async def intent_now(session: AsyncSession, payment_id: UUID) -> PaymentIntent:
    """A payment as it is now (read afresh: the session may hold an older copy)."""
    intent = await session.get(PaymentIntent, payment_id, populate_existing=True)
    assert intent is not None  # payments are never deleted
    return intent


async def announce(session: AsyncSession, intent: PaymentIntent, now: datetime) -> None:
    await session.flush()
    await record_events(session, [updated_event(intent, now)])


def check_transition(intent: PaymentIntent, event: PaymentEvent) -> PaymentState:
    try:
        return next_state(PaymentState(intent.state), event)
    except IllegalTransition as refusal:
        raise PaymentStateError(str(refusal), field="payment_id") from None


def step(intent: PaymentIntent, event: PaymentEvent, now: datetime) -> None:
    """Apply `event` in memory (PaymentStateError if the table forbids it); the caller
    records the change (see updated_event)."""
    intent.state = check_transition(intent, event).value
    intent.updated_at = now


async def transition(
    session: AsyncSession, intent: PaymentIntent, event: PaymentEvent, now: datetime
) -> None:
    """Apply `event` (PaymentStateError if the table forbids it) and record the change."""
    step(intent, event, now)
    session.add(intent)
    await announce(session, intent, now)


async def require_payment(
    session: AsyncSession,
    payment_id: UUID,
    *,
    merchant_id: UUID | None = None,
    shopper_id: UUID | None = None,
) -> None:
    """NotFound unless the payment exists (and is the merchant's, or the shopper's): checked
    before the idempotency key is claimed, so probing others' ids leaves no trace."""
    intent = await session.get(PaymentIntent, payment_id)
    if (
        intent is None
        or (merchant_id is not None and intent.merchant_id != merchant_id)
        or (shopper_id is not None and intent.shopper_id != shopper_id)
    ):
        raise NotFound("no such payment", field="payment_id")


async def paying_intent(
    session: AsyncSession, *, payment_id: UUID, shopper_id: UUID, funding: str, now: datetime
) -> PaymentIntent:
    """Lock the intent and move it to PROCESSING as the shopper's, paid by `funding`, in
    memory: the caller flushes it and records the change."""
    intent = await locked_intent(session, payment_id)
    if intent.merchant_id == shopper_id:
        raise InvalidInput("a merchant does not pay its own payment", field="payment_id")
    intent.shopper_id, intent.funding = shopper_id, funding
    step(intent, PaymentEvent.PAY, now)
    return intent


async def start_paying(
    session: AsyncSession, *, payment_id: UUID, shopper_id: UUID, funding: str, now: datetime
) -> PaymentIntent:
    """Lock the intent and move it to PROCESSING as the shopper's, paid by `funding`."""
    intent = await paying_intent(
        session, payment_id=payment_id, shopper_id=shopper_id, funding=funding, now=now
    )
    session.add(intent)
    await announce(session, intent, now)
    return intent
