"""The shopper pushes a shipped payment's auto-release back: once, by 3 days, only while held
and before release; the worker then releases at the new time, not the old one."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from domain.actors import Actor
from domain.payments.services.extension import extend_escrow
from domain.payments.services.release import release_due_payments
from support.bnpl import another_shopper
from support.payments import Shop, attempt, create_and_pay, create_intent, intent, ship


async def _extend(shop: Shop, payment: UUID, key: str, shopper: Actor | None = None) -> str:
    return await attempt(
        shop.sessions,
        lambda session: extend_escrow(
            session=session,
            clock=shop.clock,
            actor=shopper or shop.shopper,
            payment_id=payment,
            idempotency_key=key,
        ),
    )


async def test_the_shopper_extends_once_and_the_worker_releases_at_the_new_time(
    shop: Shop,
) -> None:
    # given a paid, shipped payment: released 10 days after shipment unless extended
    payment = await create_and_pay(shop, 10_000, order="x-1")
    await ship(shop, payment)
    shipped_at = shop.clock.now()

    # when the shopper extends it (the same key twice), then tries again
    assert await _extend(shop, payment, "extend-1") == "OK"
    assert await _extend(shop, payment, "extend-1") == "OK"
    assert await _extend(shop, payment, "extend-2") == "EXTENSION_LIMIT_REACHED"

    # then it is released 13 days after shipment, once
    extended = await intent(shop, payment)
    assert extended.release_extensions == 1
    assert extended.auto_release_at == shipped_at + timedelta(days=13)
    shop.clock.set(shipped_at + timedelta(days=10, hours=1))
    assert await release_due_payments(shop.sessions, shop.clock) == 0
    shop.clock.set(shipped_at + timedelta(days=13))
    assert await release_due_payments(shop.sessions, shop.clock) == 1
    assert (await intent(shop, payment)).state == "RELEASED"


async def test_only_the_payments_shopper_extends_a_shipped_held_payment(shop: Shop) -> None:
    unshipped = await create_and_pay(shop, 5_000, order="x-2")
    assert await _extend(shop, unshipped, "early") == "PAYMENT_STATE"

    await ship(shop, unshipped)
    stranger = await another_shopper(shop, "Stranger")
    assert await _extend(shop, unshipped, "theirs", shopper=stranger) == "NOT_FOUND"

    unpaid = await create_intent(shop, 5_000, order="x-3")
    assert await _extend(shop, unpaid, "unpaid") == "NOT_FOUND"  # no shopper yet: not yours

    shop.clock.advance(timedelta(days=10))  # the release time has come
    assert await _extend(shop, unshipped, "late") == "PAYMENT_STATE"
    assert (await intent(shop, unshipped)).release_extensions == 0
