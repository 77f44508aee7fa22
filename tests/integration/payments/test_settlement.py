"""Daily settlement: T+1 batches with their totals and CSV, payouts through the rail, failures
carried over, minimum payouts, and a second run that does nothing."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from sqlmodel import col, select

from domain.actors import Actor
from domain.events.tables import OutboxEvent
from domain.money import Money
from domain.payments.services import refunds, release
from domain.payments.services.reports import batch_report
from domain.payments.services.settle_merchants import run_settlement
from domain.payments.tables import Payout, SettlementBatchRow
from domain.revenue.services.fee_plans import FeePlanInput, set_fee_plan
from domain.wallets.rails import RailOutcome, SimulatedRail
from support.payments import Shop, attempt, books_balance, create_and_pay, wallet


async def _release(shop: Shop, payment: UUID) -> None:
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


async def _refund(shop: Shop, payment: UUID, minor: int) -> None:
    assert (
        await attempt(
            shop.sessions,
            lambda session: refunds.refund_payment(
                session=session,
                clock=shop.clock,
                actor=shop.merchant,
                payment_id=payment,
                amount=Money(minor, "CNY"),
                reason="one back",
                idempotency_key=f"refund-{payment}",
            ),
        )
        == "OK"
    )


async def _batches(shop: Shop) -> list[SettlementBatchRow]:
    async with shop.sessions() as session:
        query = select(SettlementBatchRow).order_by(col(SettlementBatchRow.settled_on))
        return list((await session.exec(query)).all())


async def _payouts(shop: Shop) -> list[Payout]:
    async with shop.sessions() as session:
        return list((await session.exec(select(Payout).order_by(col(Payout.created_at)))).all())


async def test_a_day_of_sales_and_a_refund_is_settled_once_at_t_plus_one(shop: Shop) -> None:
    # given two released payments (100.00 split 90/10, 50.00) and a refund of 30.00, today
    first = await create_and_pay(shop, 10_000, order="s-1")
    second = await create_and_pay(shop, 5_000, order="s-2")
    await _release(shop, first)
    await _release(shop, second)
    await _refund(shop, first, 3_000)
    rail = SimulatedRail()
    earned = (await wallet(shop.sessions, shop.merchant_id)).available.minor

    # when settlement runs today, nothing is payable yet (T+1)
    assert await run_settlement(shop.sessions, shop.clock, rail=rail) == 0

    # when it runs tomorrow, twice
    shop.clock.advance(timedelta(days=1))
    assert await run_settlement(shop.sessions, shop.clock, rail=rail) == 1
    assert await run_settlement(shop.sessions, shop.clock, rail=rail) == 0

    # then one batch: gross 150.00, refunds 30.00, fees 0.90 - 0.18, splits 9.94 + 4.97 - 2.98
    [batch] = await _batches(shop)
    assert (batch.gross, batch.refunds, batch.fees, batch.splits) == (15_000, 3_000, 72, 1_193)
    assert batch.net == 15_000 - 3_000 - 72 - 1_193 == earned
    assert (batch.payout, batch.carried_out, batch.lines) == (earned, 0, 3)
    # and the merchant's released balance went to its bank through the rail
    [payout] = await _payouts(shop)
    assert (payout.state, payout.amount) == ("PAID", earned)
    assert [(kind, amount.minor) for kind, _, amount in rail.calls] == [("payout", earned)]
    assert (await wallet(shop.sessions, shop.merchant_id)).total.minor == 0
    # and the report's CSV adds up
    async with shop.sessions() as session:
        report = await batch_report(session, actor=shop.operator, batch_id=batch.id)
    rows = report.csv.splitlines()
    assert rows[0] == "row,reference,date,gross,refund,fee,splits,net,currency"
    total = next(row for row in rows if row.startswith("TOTAL"))
    assert total.split(",")[3:8] == [
        "150.00",
        "30.00",
        "0.72",
        "11.93",
        Money(earned, "CNY").to_decimal_string(),
    ]
    assert await books_balance(shop.sessions)


async def test_a_failed_payout_returns_the_money_and_is_carried_to_the_next_batch(
    shop: Shop,
) -> None:
    # given a released payment and a bank that refuses the first payout
    await _release(shop, await create_and_pay(shop, 10_000, order="f-1"))
    earned = (await wallet(shop.sessions, shop.merchant_id)).available.minor
    rail = SimulatedRail(by_amount={earned: RailOutcome.FAILED})
    shop.clock.advance(timedelta(days=1))

    # when settlement runs
    assert await run_settlement(shop.sessions, shop.clock, rail=rail) == 1

    # then the payout failed, the money is still the merchant's, and the merchant was told
    [payout] = await _payouts(shop)
    assert payout.state == "FAILED"
    assert (await wallet(shop.sessions, shop.merchant_id)).available.minor == earned
    [batch] = await _batches(shop)
    assert batch.carried_out == earned
    async with shop.sessions() as session:
        events = (
            await session.exec(
                select(OutboxEvent).where(col(OutboxEvent.type) == "payments.payout_updated")
            )
        ).all()
        assert [e.payload["state"] for e in events] == ["FAILED"]
        assert events[0].audience == [shop.merchant_id]

    # when the bank accepts the next day, the carried amount is paid out with nothing new
    rail.by_amount.clear()
    shop.clock.advance(timedelta(days=1))
    assert await run_settlement(shop.sessions, shop.clock, rail=rail) == 1
    assert [p.state for p in await _payouts(shop)] == ["FAILED", "PAID"]
    assert (await _batches(shop))[1].carried_in == earned
    assert (await wallet(shop.sessions, shop.merchant_id)).total.minor == 0
    assert await books_balance(shop.sessions)


async def test_below_the_minimum_payout_everything_is_carried_over(shop: Shop) -> None:
    async with shop.sessions() as session:
        await set_fee_plan(
            session=session,
            clock=shop.clock,
            actor=Actor.system(),
            plan=FeePlanInput(
                shop.merchant_id, "CNY", percent_bps=60, fixed=0, minimum_payout=100_000
            ),
        )
        await session.commit()
    await _release(shop, await create_and_pay(shop, 10_000, order="m-1"))
    shop.clock.advance(timedelta(days=1))

    assert await run_settlement(shop.sessions, shop.clock, rail=SimulatedRail()) == 1

    [batch] = await _batches(shop)
    assert (batch.payout, batch.carried_out) == (0, batch.net)
    assert await _payouts(shop) == []
