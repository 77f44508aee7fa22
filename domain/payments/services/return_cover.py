"""A merchant takes back the return-shipping cover it added to a payment at creation, while
its shopper has not paid: the cover is bound (and its premium taken from the merchant's
wallet) only when the shopper pays, so nothing was charged and nothing is owed back. Once
the shopper paid, the policy is bound: the payment refuses, and the policy is cancelled as
any other (cooling-off refund, or pro rata)."""

from __future__ import annotations

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.errors import InvalidInput
from domain.payments.errors import PaymentStateError
from domain.payments.services.intents import merchant_of, own_intent
from domain.payments.services.updates import announce, intent_once, require_payment
from domain.payments.states import PaymentState
from domain.payments.tables import PaymentIntent


async def cancel_return_shipping_cover(
    *, session: AsyncSession, clock: Clock, actor: Actor, payment_id: UUID, idempotency_key: str
) -> PaymentIntent:
    """Drop the merchant's return-shipping cover from its unpaid payment; PaymentStateError
    once the shopper paid, InvalidInput if the payment carries none."""
    merchant_id = merchant_of(actor, write=True)
    await require_payment(session, payment_id, merchant_id=merchant_id)

    async def execute() -> PaymentIntent:
        now = clock.now()
        # Locked as payIntent locks it: a payment and this cancellation never cross.
        intent = await own_intent(session, merchant_id, payment_id)
        if intent.state != PaymentState.REQUIRES_PAYMENT.value:
            raise PaymentStateError(
                f"the payment is {intent.state}: its cover is bound, cancel the policy instead",
                field="payment_id",
            )
        product_id = intent.return_shipping_product_id
        if product_id is None:
            raise InvalidInput("the payment carries no return-shipping cover", field="payment_id")
        intent.return_shipping_product_id = None
        intent.updated_at = now
        session.add(intent)
        await announce(session, intent, now)
        record(
            session,
            actor=actor,
            action="payments.return_cover.cancel",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="PaymentIntent",
            target_id=intent.id,
            details={"product": str(product_id)},
        )
        return intent

    return await intent_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="payments.return_cover.cancel",
        request={"payment": str(payment_id)},
        execute=execute,
    )
