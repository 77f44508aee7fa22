"""The escrow life of a payment, through the use cases on a real database."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.money import Money
from domain.payments.services import refunds, release
from domain.payments.services.paying import PaymentSource
from domain.payments.tables import SettlementLine
from domain.wallets.rails import SimulatedRail
from support.payments import (
    Shop,
    attempt,
    books_balance,
    create_intent,
    intent,
    pay,
    revenue,
    ship,
    wallet,
)


async def refund(shop: Shop, payment: UUID, minor: int | None, key: str) -> dict[str, str]:
    answers: list[dict[str, str]] = []

    async def use_case(session: AsyncSession) -> None:
        refunded = await refunds.refund_payment(
            session=session,
            clock=shop.clock,
            actor=shop.merchant,
            payment_id=payment,
            amount=None if minor is None else Money(minor, "CNY"),
            reason="returned",
            idempotency_key=key,
        )
        answers.append(
            {"payment_id": str(refunded.intent.id), "refund_id": str(refunded.refund.id)}
        )

    code = await attempt(shop.sessions, use_case)
    return answers[0] if code == "OK" else {"error": code}


async def test_paid_money_is_held_then_auto_released_with_fee_and_splits(shop: Shop) -> None:
    # given an escrow intent of 100.00 split 90/10 between the merchant and a referrer
    payment = await create_intent(shop, 10_000, order="order-1")

    # when the shopper pays from the wallet
    assert await pay(shop, payment) == "HELD"

    # then the money is held on the shopper's wallet, not yet anyone else's
    balance = await wallet(shop.sessions, shop.shopper_id)
    assert (balance.available.minor, balance.held.minor) == (990_000, 10_000)
    assert (await wallet(shop.sessions, shop.merchant_id)).total.minor == 0

    # when the merchant ships and ten days pass, the worker releases it
    await ship(shop, payment)
    shop.clock.advance(timedelta(days=9, hours=23))
    assert await release.release_due_payments(shop.sessions, shop.clock) == 0
    shop.clock.advance(timedelta(hours=1))
    assert await release.release_due_payments(shop.sessions, shop.clock) == 1
    assert await release.release_due_payments(shop.sessions, shop.clock) == 0

    # then the fee (0.6 %) went to revenue and the rest 90/10
    released = await intent(shop, payment)
    assert (released.state, released.fee_amount, released.captured_amount) == (
        "RELEASED",
        60,
        10_000,
    )
    assert await revenue(shop.sessions, "mdr") == 60
    assert (await wallet(shop.sessions, shop.merchant_id)).available.minor == 8_946
    assert (await wallet(shop.sessions, shop.referrer)).available.minor == 994
    balance = await wallet(shop.sessions, shop.shopper_id)
    assert (balance.available.minor, balance.held.minor) == (990_000, 0)
    assert await books_balance(shop.sessions)


async def test_partial_refunds_reverse_fee_and_splits_and_never_exceed_the_payment(
    shop: Shop,
) -> None:
    # given a released payment of 100.00
    payment = await create_intent(shop, 10_000, order="order-1")
    await pay(shop, payment)
    async with shop.sessions() as session:
        await release.confirm_receipt(
            session=session,
            clock=shop.clock,
            actor=shop.shopper,
            payment_id=payment,
            idempotency_key="confirm",
        )
        await session.commit()

    # when the merchant refunds 30.00, then (again, same key) 30.00, then 80.00, then the rest
    first = await refund(shop, payment, 3_000, "r1")
    assert await refund(shop, payment, 3_000, "r1") == first  # a replay, nothing new
    assert await refund(shop, payment, 8_000, "r2") == {"error": "REFUND_EXCEEDS_REMAINING"}
    assert "refund_id" in await refund(shop, payment, None, "r3")

    # then everything is back with the shopper and every party is at zero
    done = await intent(shop, payment)
    assert (done.state, done.refunded_amount) == ("REFUNDED", 10_000)
    assert (await wallet(shop.sessions, shop.shopper_id)).available.minor == 1_000_000
    assert (await wallet(shop.sessions, shop.merchant_id)).total.minor == 0
    assert (await wallet(shop.sessions, shop.referrer)).total.minor == 0
    assert await revenue(shop.sessions, "mdr") == 0
    async with shop.sessions() as session:
        lines = (await session.exec(select(SettlementLine))).all()
        assert sorted((line.kind, line.gross) for line in lines) == [
            ("PAYMENT", 10_000),
            ("REFUND", 3_000),
            ("REFUND", 7_000),
        ]
    assert await books_balance(shop.sessions)


async def test_a_declined_card_leaves_the_intent_failed(shop: Shop) -> None:
    payment = await create_intent(shop, 5_000, order="card", split=False)
    rail = SimulatedRail(
        script={
            f"payment-{payment}": __import__(
                "domain.wallets.rails", fromlist=["RailOutcome"]
            ).RailOutcome.FAILED
        }
    )

    assert await pay(shop, payment, PaymentSource.BANK_CARD, rail) == "FAILED"
    assert (await intent(shop, payment)).hold_id is None


async def test_a_card_payment_of_a_direct_intent_is_captured_at_once(shop: Shop) -> None:
    payment = await create_intent(shop, 5_000, order="direct", split=False, mode="DIRECT")

    assert await pay(shop, payment, PaymentSource.BANK_CARD) == "SUCCEEDED"

    assert (await wallet(shop.sessions, shop.merchant_id)).available.minor == 4_970
    assert (await wallet(shop.sessions, shop.shopper_id)).available.minor == 1_000_000


@pytest.mark.parametrize("minor", [1, 3])
async def test_refunding_a_held_payment_is_refused(shop: Shop, minor: int) -> None:
    payment = await create_intent(shop, 10_000, order=f"o-{minor}")
    await pay(shop, payment)

    assert await refund(shop, payment, minor, f"held-{minor}") == {"error": "PAYMENT_STATE"}
