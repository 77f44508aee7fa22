"""Return-shipping cover on escrow payments: bound when the shopper pays (its premium priced
by the merchant's return rate over 90 days, paid from the shopper's wallet beside the held
payment, or from the merchant's when the merchant added the cover creating the payment; one
policy per payment), claimed by the refund itself: the first refund of the payment, whatever
its source (the merchant's refund of captured money, a dispute's refund out of escrow) opens
the claim, decided by the product's freight table and paid to the shopper. The claim's
trigger is the payment: a second refund, a retried one or a redelivered event opens no
second claim.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.errors import InvalidInput
from domain.insurance.errors import CoverAlreadyAdded
from domain.insurance.products import ProductKind
from domain.insurance.services.claims import open_claim, settle_parametric
from domain.insurance.services.policies import Subject, issue_policy, price
from domain.insurance.services.products import product_on_sale
from domain.insurance.states import PolicyState
from domain.insurance.tables import Claim, InsuranceProduct, Policy
from domain.money import round_half_up
from domain.payments.tables import PaymentIntent

PAYMENT = "PAYMENT"
RETURN_WINDOW = timedelta(days=90)


async def merchant_return_rate_bps(session: AsyncSession, merchant_id: UUID, now: datetime) -> int:
    """Of the merchant's payments paid in the last 90 days, the share refunded (in part or
    whole), in basis points; 0 for a merchant with none."""
    refunded = func.count().filter(
        col(PaymentIntent.refunded_amount) + col(PaymentIntent.escrow_refunded_amount) > 0
    )
    row = (
        await session.exec(
            select(func.count(), refunded).where(
                col(PaymentIntent.merchant_id) == merchant_id,
                col(PaymentIntent.paid_at) >= now - RETURN_WINDOW,
            )
        )
    ).one()
    paid, returned = int(row[0]), int(row[1])
    return round_half_up(Fraction(returned * 10_000, paid)) if paid else 0


async def return_shipping_product(
    session: AsyncSession, product_id: UUID, *, mode: str, currency: str, field: str
) -> InsuranceProduct:
    """The RETURN_SHIPPING product on sale that may insure a payment of `mode` and `currency`
    (ProductNotOnSale or InvalidInput otherwise)."""
    product = await product_on_sale(session, product_id, kind=ProductKind.RETURN_SHIPPING)
    if mode != "ESCROW":
        raise InvalidInput("return shipping covers escrow payments", field=field)
    if product.currency != currency:
        raise InvalidInput(f"the product insures {product.currency}", field=field)
    return product


async def insure_return_shipping(
    session: AsyncSession,
    actor: Actor,
    *,
    intent: PaymentIntent,
    product_id: UUID | None,
    now: datetime,
) -> Policy | None:
    """Bind the payment's return-shipping cover as the shopper pays: the merchant's (named
    at creation, its premium from the merchant's wallet) or the shopper's own `product_id`
    (from the shopper's); None when neither adds one. One policy per payment: a shopper's
    cover on a payment the merchant insured is CoverAlreadyAdded."""
    assert intent.shopper_id is not None  # a paying intent has its shopper
    merchants = intent.return_shipping_product_id
    if merchants is not None and product_id is not None:
        raise CoverAlreadyAdded(
            "the merchant already insures this payment's return freight",
            field="cover_product_id",
        )
    if merchants is None and product_id is None:
        return None
    chosen, holder_id = (
        (merchants, intent.merchant_id) if merchants else (product_id, intent.shopper_id)
    )
    assert chosen is not None
    product = await return_shipping_product(
        session, chosen, mode=intent.mode, currency=intent.currency, field="cover_product_id"
    )
    rate = await merchant_return_rate_bps(session, intent.merchant_id, now)
    quote = price(product, insured=intent.amount, now=now, return_rate_bps=rate)
    return await issue_policy(
        session,
        actor,
        quote=quote,
        holder_id=holder_id,
        now=now,
        subject=Subject(PAYMENT, intent.id),
    )


async def claim_return_freight(
    session: AsyncSession, intent: PaymentIntent, *, now: datetime
) -> Claim | None:
    """The refunded payment's return-shipping claim, opened and settled by the freight
    table; None when it has no cover or its claim was opened before."""
    policy = (
        await session.exec(
            select(Policy)
            .where(
                col(Policy.subject_type) == PAYMENT,
                col(Policy.subject_id) == intent.id,
                col(Policy.kind) == ProductKind.RETURN_SHIPPING.value,
            )
            .with_for_update()
        )
    ).first()
    if policy is None or policy.state == PolicyState.CANCELLED.value:
        return None
    claim = await open_claim(
        session,
        policy,
        trigger=f"refund:payment:{intent.id}",
        loss=0,
        beneficiary_id=intent.shopper_id,  # the freight is the shopper's, whoever insured it
        now=now,
    )
    if claim is not None:
        await settle_parametric(session, claim, policy, payment_amount=intent.amount, now=now)
    return claim
