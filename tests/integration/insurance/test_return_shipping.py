"""Return-shipping cover on an escrow payment: bound when the shopper pays, claimed by the
refund itself and paid by the freight table, once per payment whatever the refunds or the
redeliveries of their events."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from domain.clock import FixedClock
from domain.errors import InvalidInput
from domain.insurance.errors import CoverAlreadyAdded
from domain.insurance.services.return_shipping import claim_return_freight
from domain.insurance.tables import Claim, Policy
from domain.money import Money
from domain.payments.services import disputes, refunds, release
from support.insurance import RETURN_SHIPPING, Sessions, insurer, publish
from support.ledger import NOW
from support.payments import (
    Shop,
    books_balance,
    create_intent,
    fund,
    intent,
    open_shop,
    pay,
    revenue,
    ship,
    wallet,
)


@pytest.fixture
async def shop(sessions: Sessions) -> Shop:
    return await open_shop(sessions, FixedClock(NOW))


async def _shipped_and_received(shop: Shop, payment: object, key: str) -> None:
    """The merchant ships and the shopper confirms receipt: the money leaves escrow."""
    await ship(shop, payment)  # type: ignore[arg-type]
    async with shop.sessions() as session:
        await release.confirm_receipt(
            session=session,
            clock=shop.clock,
            actor=shop.shopper,
            payment_id=payment,  # type: ignore[arg-type]
            idempotency_key=key,
        )
        await session.commit()


async def _refund(shop: Shop, payment: object, minor: int, key: str) -> None:
    async with shop.sessions() as session:
        await refunds.refund_payment(
            session=session,
            clock=shop.clock,
            actor=shop.merchant,
            payment_id=payment,  # type: ignore[arg-type]
            amount=Money(minor, "CNY"),
            reason="returned",
            idempotency_key=key,
        )
        await session.commit()


async def test_a_refunded_checkout_pays_the_freight_once(sessions: Sessions, shop: Shop) -> None:
    # given an insurer's return-shipping product (1.00 a payment, 12.00 above 100.00)
    company = await insurer(sessions, shop.clock, funds=100_000)
    assert company.participant_id is not None
    product = await publish(sessions, shop.clock, company, RETURN_SHIPPING)

    # when the shopper pays 250.00 into escrow with the cover, receives and is refunded
    payment = await create_intent(shop, 25_000, order="kettle-1")
    assert await pay(shop, payment, cover_product_id=product.id) == "HELD"
    async with sessions() as session:
        [policy] = (await session.exec(select(Policy))).all()
    assert (policy.state, policy.premium, policy.commission) == ("ACTIVE", 100, 20)
    assert (await wallet(sessions, shop.shopper_id)).available.minor == 1_000_000 - 25_000 - 100
    await _shipped_and_received(shop, payment, "receipt-1")
    await _refund(shop, payment, 10_000, "refund-1")
    await _refund(shop, payment, 10_000, "refund-1")  # the merchant's retry

    # then one claim, decided by the table and paid to the shopper
    async with sessions() as session:
        [claim] = (await session.exec(select(Claim))).all()
    assert (claim.state, claim.approved, claim.paid) == ("PAID", 1_200, 1_200)
    assert claim.beneficiary_id == shop.shopper_id
    assert (await wallet(sessions, shop.shopper_id)).available.minor == (
        1_000_000 - 25_000 - 100 + 10_000 + 1_200
    )

    # when the refund's event is delivered again, and a second refund follows
    for _ in range(3):
        async with sessions() as session:
            refunded = await intent(shop, payment)
            assert await claim_return_freight(session, refunded, now=shop.clock.now()) is None
            await session.commit()
    await _refund(shop, payment, 5_000, "refund-2")

    # then still the one claim, paid once
    async with sessions() as session:
        claims = (await session.exec(select(Claim).where(col(Claim.policy_id) == policy.id))).all()
    assert len(claims) == 1
    assert (await wallet(sessions, company.participant_id)).available.minor == 100_000 + 80 - 1_200
    assert await revenue(sessions, "insurance_commission") == 20
    assert await books_balance(sessions)


async def test_a_payment_without_cover_opens_no_claim(sessions: Sessions, shop: Shop) -> None:
    payment = await create_intent(shop, 25_000, order="kettle-2")
    assert await pay(shop, payment) == "HELD"
    async with sessions() as session:
        assert (
            await claim_return_freight(session, await intent(shop, payment), now=shop.clock.now())
            is None
        )
        assert (await session.exec(select(Claim))).all() == []


async def test_a_disputes_refund_out_of_escrow_claims_the_freight(
    sessions: Sessions, shop: Shop
) -> None:
    company = await insurer(sessions, shop.clock, funds=100_000)
    product = await publish(sessions, shop.clock, company, RETURN_SHIPPING)
    payment = await create_intent(shop, 5_000, order="mug-1")  # 50.00: the 8.00 band
    assert await pay(shop, payment, cover_product_id=product.id) == "HELD"
    async with sessions() as session:
        opened = await disputes.open_dispute(
            session=session,
            clock=shop.clock,
            actor=shop.shopper,
            payment_id=payment,
            reason="the mug came broken",
        )
        await session.commit()
    async with sessions() as session:
        await disputes.resolve_dispute(
            session=session,
            clock=shop.clock,
            actor=shop.operator,
            dispute_id=opened.dispute.id,
            resolution=disputes.Resolution.REFUND,
            refund_amount=None,
            note="refunded",
            idempotency_key="resolve-mug",
        )
        await session.commit()

    async with sessions() as session:
        [claim] = (await session.exec(select(Claim))).all()
    assert (claim.state, claim.paid) == ("PAID", 800)
    assert (await wallet(sessions, shop.shopper_id)).available.minor == 1_000_000 - 100 + 800
    assert await books_balance(sessions)


async def test_the_merchants_cover_pays_the_shoppers_freight_once_at_its_own_cost(
    sessions: Sessions, shop: Shop
) -> None:
    # given a merchant (holding 50.00) that insures the payment's return freight itself
    company = await insurer(sessions, shop.clock, funds=100_000)
    assert company.participant_id is not None
    product = await publish(sessions, shop.clock, company, RETURN_SHIPPING)
    await fund(sessions, shop.merchant_id, 5_000)
    payment = await create_intent(
        shop, 25_000, order="kettle-m", return_shipping_product_id=product.id
    )

    # when the shopper pays (adding no cover of its own): the policy is bound, the merchant's
    assert await pay(shop, payment) == "HELD"
    async with sessions() as session:
        [policy] = (await session.exec(select(Policy))).all()
    assert (policy.state, policy.premium, policy.holder_id) == ("ACTIVE", 100, shop.merchant_id)
    assert (await wallet(sessions, shop.merchant_id)).available.minor == 5_000 - 100
    assert (await wallet(sessions, shop.shopper_id)).available.minor == 1_000_000 - 25_000

    # when the goods come back and the merchant refunds twice (a retry, then more)
    await _shipped_and_received(shop, payment, "receipt-m")
    await _refund(shop, payment, 10_000, "refund-m1")
    await _refund(shop, payment, 10_000, "refund-m1")
    await _refund(shop, payment, 5_000, "refund-m2")

    # then exactly one claim, paid to the shopper: the freight is the shopper's
    async with sessions() as session:
        [claim] = (await session.exec(select(Claim))).all()
    assert (claim.state, claim.paid, claim.beneficiary_id) == ("PAID", 1_200, shop.shopper_id)
    assert (await wallet(sessions, shop.shopper_id)).available.minor == (
        1_000_000 - 25_000 + 10_000 + 5_000 + 1_200
    )
    assert await books_balance(sessions)


async def test_one_cover_per_payment_and_only_on_escrow(sessions: Sessions, shop: Shop) -> None:
    company = await insurer(sessions, shop.clock, funds=0)
    product = await publish(sessions, shop.clock, company, RETURN_SHIPPING)
    await fund(sessions, shop.merchant_id, 5_000)
    payment = await create_intent(
        shop, 25_000, order="kettle-d", return_shipping_product_id=product.id
    )

    # a shopper adding its own cover to a payment the merchant insured is refused
    with pytest.raises(CoverAlreadyAdded):
        await pay(shop, payment, cover_product_id=product.id)
    # and a merchant's cover on a DIRECT payment, at creation
    with pytest.raises(InvalidInput) as refused:
        await create_intent(
            shop, 25_000, order="kettle-x", mode="DIRECT", return_shipping_product_id=product.id
        )
    assert refused.value.field == "return_shipping_product_id"

    # then nothing was bound or paid
    async with sessions() as session:
        assert (await session.exec(select(Policy))).all() == []
    assert (await wallet(sessions, shop.merchant_id)).available.minor == 5_000
    assert (await wallet(sessions, shop.shopper_id)).available.minor == 1_000_000
