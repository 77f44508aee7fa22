"""A merchant takes back the return-shipping cover it added to a payment: before the shopper
pays nothing was charged and nothing is bound; once paid, the payment refuses and the policy
stands."""

from __future__ import annotations

from uuid import UUID

import pytest
from sqlmodel import select

from domain.clock import FixedClock
from domain.errors import InvalidInput
from domain.insurance.tables import Policy
from domain.payments.errors import PaymentStateError
from domain.payments.services.return_cover import cancel_return_shipping_cover
from domain.payments.tables import PaymentIntent
from support.insurance import RETURN_SHIPPING, Sessions, insurer, publish
from support.ledger import NOW
from support.payments import Shop, books_balance, create_intent, fund, open_shop, pay, wallet


@pytest.fixture
async def shop(sessions: Sessions) -> Shop:
    return await open_shop(sessions, FixedClock(NOW))


async def _cancel(shop: Shop, payment: UUID, key: str) -> PaymentIntent:
    async with shop.sessions() as session:
        intent = await cancel_return_shipping_cover(
            session=session,
            clock=shop.clock,
            actor=shop.merchant,
            payment_id=payment,
            idempotency_key=key,
        )
        await session.commit()
    return intent


async def _policies(sessions: Sessions) -> list[Policy]:
    async with sessions() as session:
        return list((await session.exec(select(Policy))).all())


async def _insured_payment(sessions: Sessions, shop: Shop, order: str) -> UUID:
    """A 250.00 escrow payment its merchant (holding 50.00) insures with a 1.00 product."""
    company = await insurer(sessions, shop.clock, funds=100_000)
    product = await publish(sessions, shop.clock, company, RETURN_SHIPPING)
    await fund(sessions, shop.merchant_id, 5_000)
    return await create_intent(shop, 25_000, order=order, return_shipping_product_id=product.id)


async def test_cancelled_before_payment_the_cover_is_never_bound_nor_charged(
    sessions: Sessions, shop: Shop
) -> None:
    # given a merchant (holding 50.00) that insured a 250.00 payment's return freight
    payment = await _insured_payment(sessions, shop, "kettle-c")

    # when it cancels the cover before the shopper pays, and retries with the same key
    cancelled = await _cancel(shop, payment, "drop-1")
    again = await _cancel(shop, payment, "drop-1")

    # then the payment carries none, and paying it binds none: the merchant pays nothing
    assert cancelled.return_shipping_product_id is None
    assert (again.id, again.return_shipping_product_id) == (payment, None)
    assert await pay(shop, payment) == "HELD"
    assert await _policies(sessions) == []
    assert (await wallet(sessions, shop.merchant_id)).available.minor == 5_000
    assert (await wallet(sessions, shop.shopper_id)).available.minor == 1_000_000 - 25_000
    assert await books_balance(sessions)


async def test_after_payment_the_cover_is_bound_and_the_cancellation_refused(
    sessions: Sessions, shop: Shop
) -> None:
    # given a merchant-insured payment its shopper paid: the policy bound at 1.00
    payment = await _insured_payment(sessions, shop, "kettle-p")
    assert await pay(shop, payment) == "HELD"

    # when the merchant cancels the cover on the payment: refused, typed
    with pytest.raises(PaymentStateError) as refused:
        await _cancel(shop, payment, "drop-2")

    # then the policy stands and the premium stays paid
    assert refused.value.field == "payment_id"
    [policy] = await _policies(sessions)
    assert (policy.state, policy.premium, policy.holder_id) == ("ACTIVE", 100, shop.merchant_id)
    assert (await wallet(sessions, shop.merchant_id)).available.minor == 5_000 - 100
    assert await books_balance(sessions)


async def test_a_payment_without_cover_has_none_to_cancel(sessions: Sessions, shop: Shop) -> None:
    payment = await create_intent(shop, 25_000, order="kettle-n")

    with pytest.raises(InvalidInput) as refused:
        await _cancel(shop, payment, "drop-3")

    assert refused.value.field == "payment_id"
