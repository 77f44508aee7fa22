"""Moving an intent through its transition table, and telling everyone concerned."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import NotFound
from domain.errors import InvalidInput
from domain.events.rows import payload_row
from domain.events.services.outbox import record_events
from domain.payments.errors import PaymentStateError
from domain.payments.events import PaymentUpdated
from domain.payments.intents import IllegalTransition, PaymentEvent, PaymentState, next_state
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
        payment_id=str(intent.id), state=intent.state, mode=intent.mode,
        order_reference=intent.order_reference, currency=intent.currency,
        amount=intent.amount, captured=intent.captured_amount,
        refunded=intent.refunded_total, fee=intent.fee_amount,
        shipped_at=intent.shipped_at.isoformat() if intent.shipped_at else None,
        auto_release_at=intent.auto_release_at.isoformat() if intent.auto_release_at else None,
    )  # fmt: skip


def updated_event(intent: PaymentIntent, now: datetime) -> dict[str, Any]:
    """The payments.payment_updated outbox row of the intent as it is now."""
    return payload_row(
        payment_updated(intent), aggregate_id=intent.id, audience=audience(intent),
        occurred_at=now,
    )  # fmt: skip


# The intents this transaction wrote, held here (the session's identity map holds unchanged
# objects only weakly): the session has them as they are in the database.
_WRITTEN = "payments.intents_written"


def mark_written(session: AsyncSession, intent: PaymentIntent) -> None:
    session.info.setdefault(_WRITTEN, {})[intent.id] = intent


async def current_intent(session: AsyncSession, payment_id: UUID) -> PaymentIntent | None:
    """The intent as it is now: as this transaction wrote it (no round trip), else read
    afresh (a replayed answer: the session may hold an older copy). A refusal's rollback
    empties the session, so an undone write is read again too."""
    written = session.info.get(_WRITTEN, {}).get(payment_id)
    if written is not None and written in session:
        return written  # type: ignore[no-any-return]
    return await session.get(PaymentIntent, payment_id, populate_existing=True)


async def announce(session: AsyncSession, intent: PaymentIntent, now: datetime) -> None:
    await session.flush()
    mark_written(session, intent)
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
