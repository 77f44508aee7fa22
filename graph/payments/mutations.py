"""Payment mutations: merchants create, ship, cancel and refund; shoppers pay, confirm and
dispute; operators resolve disputes. Every one that moves money takes an idempotencyKey."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.money import Money as DomainMoney
from domain.money import currency_of, parse_money
from domain.participants.roles import Role, Scope
from domain.payments.services import (
    disputes,
    extension,
    intents,
    paying,
    refunds,
    release,
    return_cover,
)
from domain.payments.tables import PaymentIntent as IntentRow
from graph.context import Info
from graph.idempotency import IdempotencyKey
from graph.payloads import in_unit_of_work
from graph.payments.inputs import (
    CreatePaymentIntentInput,
    RefundPaymentInput,
    ResolveDisputeInput,
    new_intent,
)
from graph.payments.types import (
    Dispute,
    DisputePayload,
    PaymentIntent,
    PaymentIntentPayload,
    PaymentRefund,
    PaymentSource,
    RefundPayload,
)
from graph.permissions import SIGNED_IN, allow
from graph.relay import optional_uuid_of, uuid_of


def intent_payload(row: IntentRow) -> PaymentIntentPayload:
    """The payload for a use case's intent (as it wrote it, or as it is now on a replay)."""
    return PaymentIntentPayload(payment_intent=PaymentIntent.of(row))


def _payment(id: strawberry.ID) -> UUID:
    return uuid_of(id, "PaymentIntent")


def _optional_money(amount: str | None, currency: str | None, field: str) -> DomainMoney | None:
    if amount is None:
        return None
    return parse_money(amount, currency_of(currency or "", field="currency"), field=field)


def _dispute_payload(written: disputes.DisputeWritten) -> DisputePayload:
    dispute, intent = written.dispute, written.intent
    return DisputePayload(
        dispute=Dispute.of(dispute, intent.currency), payment_intent=PaymentIntent.of(intent)
    )


@strawberry.type
class PaymentMutations:
    @allow(Role.MERCHANT, key=Scope.PAYMENTS_WRITE)
    @strawberry.mutation(description="Merchants: ask a shopper to pay (escrow or direct).")
    @in_unit_of_work
    async def create_payment_intent(
        self,
        info: Info,
        session: AsyncSession,
        input: CreatePaymentIntentInput,
        idempotency_key: IdempotencyKey,
    ) -> PaymentIntentPayload:
        ctx = info.context
        return intent_payload(
            await intents.create_payment_intent(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                new=new_intent(input),
                idempotency_key=idempotency_key,
            )
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Shoppers: pay from your wallet or by bank card; escrow holds the money "
        "on your wallet until you confirm receipt or the auto-release time passes."
    )
    @in_unit_of_work
    async def pay_intent(
        self,
        info: Info,
        session: AsyncSession,
        payment_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
        source: PaymentSource = paying.PaymentSource.WALLET,
        return_shipping_product_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Escrow payments: insure the return freight with this "
                "RETURN_SHIPPING InsuranceProduct (its premium from your wallet too); a refund "
                "of the payment pays the freight by the product's table."
            ),
        ] = None,
    ) -> PaymentIntentPayload:
        ctx = info.context
        return intent_payload(
            await paying.pay_intent(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                rail=ctx.rail,
                payment_id=_payment(payment_id),
                source=source,
                idempotency_key=idempotency_key,
                cover_product_id=optional_uuid_of(return_shipping_product_id, "InsuranceProduct"),
            )
        )

    @allow(Role.MERCHANT, key=Scope.PAYMENTS_WRITE)
    @strawberry.mutation(description="Merchants: the goods are on their way (starts auto-release).")
    @in_unit_of_work
    async def confirm_shipment(
        self, info: Info, session: AsyncSession, payment_id: strawberry.ID
    ) -> PaymentIntentPayload:
        ctx = info.context
        row = await intents.confirm_shipment(
            session=session, clock=ctx.clock, actor=ctx.actor, payment_id=_payment(payment_id)
        )
        return PaymentIntentPayload(payment_intent=PaymentIntent.of(row))

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Shoppers: the goods arrived; release the money.")
    @in_unit_of_work
    async def confirm_receipt(
        self,
        info: Info,
        session: AsyncSession,
        payment_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
    ) -> PaymentIntentPayload:
        ctx = info.context
        return intent_payload(
            await release.confirm_receipt(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                payment_id=_payment(payment_id),
                idempotency_key=idempotency_key,
            )
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Shoppers: the goods are still on their way; push the auto-release of a "
        "shipped payment held in escrow back by 3 days (once)."
    )
    @in_unit_of_work
    async def extend_escrow(
        self,
        info: Info,
        session: AsyncSession,
        payment_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
    ) -> PaymentIntentPayload:
        ctx = info.context
        return intent_payload(
            await extension.extend_escrow(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                payment_id=_payment(payment_id),
                idempotency_key=idempotency_key,
            )
        )

    @allow(Role.MERCHANT, key=Scope.PAYMENTS_WRITE)
    @strawberry.mutation(description="Merchants: cancel an unpaid or held payment.")
    @in_unit_of_work
    async def cancel_payment_intent(
        self,
        info: Info,
        session: AsyncSession,
        payment_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
    ) -> PaymentIntentPayload:
        ctx = info.context
        return intent_payload(
            await intents.cancel_payment(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                payment_id=_payment(payment_id),
                idempotency_key=idempotency_key,
            )
        )

    @allow(Role.MERCHANT, key=Scope.PAYMENTS_WRITE)
    @strawberry.mutation(
        description="Merchants: take back the return-shipping cover added at "
        "createPaymentIntent while the shopper has not paid (the premium is only taken when "
        "the shopper pays: nothing is charged). PAYMENT_STATE once paid (cancel the policy "
        "instead), INVALID_INPUT if the payment carries none."
    )
    @in_unit_of_work
    async def cancel_return_shipping_cover(
        self,
        info: Info,
        session: AsyncSession,
        payment_id: strawberry.ID,
        idempotency_key: IdempotencyKey,
    ) -> PaymentIntentPayload:
        ctx = info.context
        return intent_payload(
            await return_cover.cancel_return_shipping_cover(
                session=session,
                clock=ctx.clock,
                actor=ctx.actor,
                payment_id=_payment(payment_id),
                idempotency_key=idempotency_key,
            )
        )

    @allow(Role.MERCHANT, key=Scope.PAYMENTS_WRITE)
    @strawberry.mutation(
        description="Merchants: refund all that remains (no amount) or part of a payment; "
        "the fee and every split share are reversed in proportion."
    )
    @in_unit_of_work
    async def refund_payment(
        self,
        info: Info,
        session: AsyncSession,
        input: RefundPaymentInput,
        idempotency_key: IdempotencyKey,
    ) -> RefundPayload:
        ctx = info.context
        refunded = await refunds.refund_payment(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            payment_id=_payment(input.payment_id),
            amount=_optional_money(input.amount, input.currency, "amount"),
            reason=input.reason,
            idempotency_key=idempotency_key,
        )
        return RefundPayload(
            refund=PaymentRefund.of(refunded.refund),
            payment_intent=PaymentIntent.of(refunded.intent),
        )

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Shoppers: dispute a payment while its money is held.")
    @in_unit_of_work
    async def open_dispute(
        self, info: Info, session: AsyncSession, payment_id: strawberry.ID, reason: str
    ) -> DisputePayload:
        ctx = info.context
        opened = await disputes.open_dispute(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            payment_id=_payment(payment_id),
            reason=reason,
        )
        return _dispute_payload(opened)

    @allow(Role.OPERATOR)
    @strawberry.mutation(
        description="Operators: release, refund, or refund part of a disputed payment."
    )
    @in_unit_of_work
    async def resolve_dispute(
        self,
        info: Info,
        session: AsyncSession,
        input: ResolveDisputeInput,
        idempotency_key: IdempotencyKey,
    ) -> DisputePayload:
        ctx = info.context
        resolved = await disputes.resolve_dispute(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            dispute_id=uuid_of(input.dispute_id, "Dispute"),
            resolution=input.resolution,
            refund_amount=_optional_money(input.refund_amount, input.currency, "refund_amount"),
            note=input.note,
            idempotency_key=idempotency_key,
        )
        return _dispute_payload(resolved)
