"""Races on one payment: its row lock makes refunds and releases take turns."""

from __future__ import annotations

import asyncio
from uuid import UUID

from domain.money import Money
from domain.payments.services import refunds, release
from domain.payments.tables import PaymentIntent
from support.payments import Shop, attempt, books_balance, create_and_pay, wallet


async def _refund(shop: Shop, payment: UUID, minor: int, key: str) -> str:
    return await attempt(
        shop.sessions,
        lambda session: refunds.refund_payment(
            session=session,
            clock=shop.clock,
            actor=shop.merchant,
            payment_id=payment,
            amount=Money(minor, "CNY"),
            reason="race",
            idempotency_key=key,
        ),
    )


async def _confirm(shop: Shop, payment: UUID, key: str = "confirm") -> str:
    return await attempt(
        shop.sessions,
        lambda session: release.confirm_receipt(
            session=session,
            clock=shop.clock,
            actor=shop.shopper,
            payment_id=payment,
            idempotency_key=key,
        ),
    )


async def test_ten_partial_refunds_racing_past_the_total_refund_exactly_the_total(
    shop: Shop,
) -> None:
    # given a released payment of 100.00
    payment = await create_and_pay(shop, 10_000, order="race-1")
    assert await _confirm(shop, payment) == "OK"

    # when ten refunds of 15.00 race (150.00 asked of 100.00)
    outcomes = await asyncio.gather(*(_refund(shop, payment, 1_500, f"r{n}") for n in range(10)))

    # then six went through, then 10.00 remained and the rest were refused
    assert outcomes.count("OK") == 6
    assert outcomes.count("REFUND_EXCEEDS_REMAINING") == 4
    async with shop.sessions() as session:
        intent = await session.get(PaymentIntent, payment)
        assert intent is not None
        assert intent.refunded_amount == 9_000
    assert await _refund(shop, payment, 1_000, "last") == "OK"
    assert (await wallet(shop.sessions, shop.shopper_id)).available.minor == 1_000_000
    assert await books_balance(shop.sessions)


async def test_a_refund_racing_the_release_sees_it_done_or_not_at_all(shop: Shop) -> None:
    for round_ in range(5):
        # given a held payment
        payment = await create_and_pay(shop, 10_000, order=f"race-release-{round_}")

        # when the shopper's confirmation and the merchant's refund race
        confirmed, refunded = await asyncio.gather(
            _confirm(shop, payment, f"c{round_}"),
            _refund(shop, payment, 4_000, f"rr{round_}"),
        )

        # then the release happened, and the refund either followed it or found it held
        assert confirmed == "OK"
        assert refunded in ("OK", "PAYMENT_STATE")
        async with shop.sessions() as session:
            intent = await session.get(PaymentIntent, payment)
            assert intent is not None
            expected = ("PARTIALLY_REFUNDED", 4_000) if refunded == "OK" else ("RELEASED", 0)
            assert (intent.state, intent.refunded_amount) == expected
    assert await books_balance(shop.sessions)
