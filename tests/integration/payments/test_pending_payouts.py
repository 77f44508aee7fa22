"""Payouts the bank answers PENDING: the hold stays until the worker hears from the bank; a
later confirmation posts it, a later refusal gives the money back, carries it into the next
batch (even one written meanwhile) and tells the merchant."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from domain.events.tables import OutboxEvent
from domain.payments.services import release
from domain.payments.services.payouts import resolve_pending_payouts
from domain.payments.services.settle_merchants import run_settlement
from domain.payments.tables import Payout, SettlementBatchRow
from domain.wallets.rails import RailOutcome, SimulatedRail
from support.payments import Shop, attempt, books_balance, create_and_pay, wallet


async def _sale(shop: Shop, minor: int, order: str) -> None:
    payment = await create_and_pay(shop, minor, order=order)
    assert (
        await attempt(
            shop.sessions,
            lambda session: release.confirm_receipt(
                session=session,
                clock=shop.clock,
                actor=shop.shopper,
                payment_id=payment,
                idempotency_key=f"confirm-{payment}",
            ),
        )
        == "OK"
    )


async def _payouts(shop: Shop) -> list[Payout]:
    async with shop.sessions() as session:
        return list((await session.exec(select(Payout).order_by(col(Payout.created_at)))).all())


async def _states_told(shop: Shop) -> list[str]:
    async with shop.sessions() as session:
        query = select(OutboxEvent).where(col(OutboxEvent.type) == "payments.payout_updated")
        events = (await session.exec(query.order_by(col(OutboxEvent.id)))).all()
    return [e.payload["state"] for e in events]


async def test_a_pending_payout_is_held_until_the_bank_confirms_it(shop: Shop) -> None:
    # given a payout the bank answers PENDING
    await _sale(shop, 10_000, "p-1")
    earned = (await wallet(shop.sessions, shop.merchant_id)).available.minor
    rail = SimulatedRail(by_amount={earned: RailOutcome.PENDING})
    shop.clock.advance(timedelta(days=1))
    assert await run_settlement(shop.sessions, shop.clock, rail=rail) == 1
    [payout] = await _payouts(shop)
    assert payout.state == "PENDING"
    assert (await wallet(shop.sessions, shop.merchant_id)).held.minor == earned

    # when the worker asks while the bank still has not answered, nothing changes
    assert await resolve_pending_payouts(shop.sessions, shop.clock, rail=rail) == 0
    assert [p.state for p in await _payouts(shop)] == ["PENDING"]

    # when the bank confirms, the hold is posted: the money has left
    rail.by_amount[earned] = RailOutcome.SUCCEEDED
    assert await resolve_pending_payouts(shop.sessions, shop.clock, rail=rail) == 1
    assert await resolve_pending_payouts(shop.sessions, shop.clock, rail=rail) == 0
    assert [p.state for p in await _payouts(shop)] == ["PAID"]
    assert (await wallet(shop.sessions, shop.merchant_id)).total.minor == 0
    assert await _states_told(shop) == ["PENDING", "PAID"]
    assert await books_balance(shop.sessions)


async def test_a_refusal_after_the_next_batch_returns_the_money_and_carries_it_on(
    shop: Shop,
) -> None:
    # given a pending payout of day 1, and day 2's batch paid out while it was pending
    await _sale(shop, 10_000, "p-2")
    first = (await wallet(shop.sessions, shop.merchant_id)).available.minor
    rail = SimulatedRail(by_amount={first: RailOutcome.PENDING})
    shop.clock.advance(timedelta(days=1))
    assert await run_settlement(shop.sessions, shop.clock, rail=rail) == 1
    await _sale(shop, 20_000, "p-3")
    second = (await wallet(shop.sessions, shop.merchant_id)).available.minor
    shop.clock.advance(timedelta(days=1))
    assert await run_settlement(shop.sessions, shop.clock, rail=rail) == 1

    # when the bank then refuses the first payout
    rail.by_amount[first] = RailOutcome.FAILED
    assert await resolve_pending_payouts(shop.sessions, shop.clock, rail=rail) == 1

    # then its money is back in the wallet, carried into the latest batch, and the merchant told
    assert [p.state for p in await _payouts(shop)] == ["FAILED", "PAID"]
    assert (await wallet(shop.sessions, shop.merchant_id)).available.minor == first
    async with shop.sessions() as session:
        by_day = select(SettlementBatchRow).order_by(col(SettlementBatchRow.settled_on))
        batches = (await session.exec(by_day)).all()
    assert [(b.payout, b.carried_out) for b in batches] == [(first, 0), (second, first)]
    assert await _states_told(shop) == ["PENDING", "PAID", "FAILED"]

    # and the next day's settlement pays it out
    rail.by_amount.clear()
    shop.clock.advance(timedelta(days=1))
    assert await run_settlement(shop.sessions, shop.clock, rail=rail) == 1
    assert [p.state for p in await _payouts(shop)] == ["FAILED", "PAID", "PAID"]
    assert (await wallet(shop.sessions, shop.merchant_id)).total.minor == 0
    assert await books_balance(shop.sessions)
