"""Disputes: opened by the shopper while held, decided by the operator."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from sqlmodel import select

from domain.errors import DomainError
from domain.money import Money
from domain.payments.services import disputes, intents, release
from domain.payments.tables import PaymentIntent, PaymentRefund
from support.payments import Shop, books_balance, create_and_pay, revenue, wallet


async def _open(shop: Shop, payment: UUID) -> UUID:
    async with shop.sessions() as session:
        opened = await disputes.open_dispute(
            session=session,
            clock=shop.clock,
            actor=shop.shopper,
            payment_id=payment,
            reason="the parcel never arrived",
        )
        await session.commit()
        return opened.dispute.id


async def _resolve(
    shop: Shop, dispute: UUID, resolution: disputes.Resolution, part: int | None
) -> None:
    async with shop.sessions() as session:
        await disputes.resolve_dispute(
            session=session,
            clock=shop.clock,
            actor=shop.operator,
            dispute_id=dispute,
            resolution=resolution,
            refund_amount=None if part is None else Money(part, "CNY"),
            note="decided",
            idempotency_key=f"resolve-{dispute}",
        )
        await session.commit()


async def _intent(shop: Shop, payment: UUID) -> PaymentIntent:
    async with shop.sessions() as session:
        intent = await session.get(PaymentIntent, payment)
        assert intent is not None
        return intent


async def test_a_dispute_stops_auto_release_and_a_refund_returns_everything(shop: Shop) -> None:
    # given a held, shipped payment, disputed by the shopper
    payment = await create_and_pay(shop, 10_000, order="d-1")
    async with shop.sessions() as session:
        await intents.confirm_shipment(
            session=session, clock=shop.clock, actor=shop.merchant, payment_id=payment
        )
        await session.commit()
    dispute = await _open(shop, payment)

    # when the release time passes, nothing is released
    shop.clock.advance(timedelta(days=30))
    assert await release.release_due_payments(shop.sessions, shop.clock) == 0
    assert (await _intent(shop, payment)).state == "DISPUTED"

    # when the operator refunds
    await _resolve(shop, dispute, disputes.Resolution.REFUND, None)

    # then the hold is gone and the shopper has everything back
    assert (await _intent(shop, payment)).state == "REFUNDED"
    balance = await wallet(shop.sessions, shop.shopper_id)
    assert (balance.available.minor, balance.held.minor) == (1_000_000, 0)
    assert await books_balance(shop.sessions)


async def test_a_partial_resolution_refunds_part_from_escrow_and_shares_the_rest(
    shop: Shop,
) -> None:
    payment = await create_and_pay(shop, 10_000, order="d-2")
    dispute = await _open(shop, payment)

    await _resolve(shop, dispute, disputes.Resolution.PARTIAL, 4_000)

    intent = await _intent(shop, payment)
    assert (intent.state, intent.captured_amount, intent.fee_amount) == (
        "PARTIALLY_REFUNDED",
        6_000,
        36,
    )
    assert (await wallet(shop.sessions, shop.shopper_id)).available.minor == 994_000
    assert await revenue(shop.sessions, "mdr") == 36
    merchant, referrer = (
        await wallet(shop.sessions, shop.merchant_id),
        await wallet(shop.sessions, shop.referrer),
    )
    assert merchant.available.minor + referrer.available.minor == 6_000 - 36
    async with shop.sessions() as session:
        refund = (await session.exec(select(PaymentRefund))).one()
        assert (refund.source, refund.amount) == ("ESCROW", 4_000)
    assert await books_balance(shop.sessions)


@pytest.mark.parametrize("state_change", ["released", "twice"])
async def test_a_dispute_opens_only_while_held(shop: Shop, state_change: str) -> None:
    payment = await create_and_pay(shop, 10_000, order=f"d-{state_change}")
    if state_change == "released":
        async with shop.sessions() as session:
            await release.confirm_receipt(
                session=session,
                clock=shop.clock,
                actor=shop.shopper,
                payment_id=payment,
                idempotency_key="c",
            )
            await session.commit()
    else:
        await _open(shop, payment)

    with pytest.raises(DomainError) as refused:
        await _open(shop, payment)

    assert refused.value.code == "PAYMENT_STATE"
