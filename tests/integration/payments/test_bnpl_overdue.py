"""BNPL on lending's overdue machinery, day by day on an injected clock for 100 days in
seconds: reminders before due dates, the automatic debit on them, late installments aged into
buckets with penalty after the grace days, and the penalty paid first and shared with the bank."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import col, select

from domain.consumer_credit.plans import PLATFORM_PRODUCT
from domain.consumer_credit.services.age_installments import age_bnpl_installments
from domain.consumer_credit.services.repayments import collect_due_installments
from domain.consumer_credit.tables import BnplInstallmentRow, BnplPlanRow
from domain.events.tables import OutboxEvent
from domain.lending.distribution import holder_interest
from domain.lending.overdue import daily_penalty
from support.bnpl import another_shopper, bank_balance, bank_with_offer, buy, create_bnpl_intent
from support.payments import Shop, books_balance, fund


async def _installments(shop: Shop) -> list[BnplInstallmentRow]:
    async with shop.sessions() as session:
        rows = await session.exec(
            select(BnplInstallmentRow).order_by(col(BnplInstallmentRow.number))
        )
        return list(rows.all())


async def _run_daily_jobs(shop: Shop) -> None:
    await collect_due_installments(shop.sessions, shop.clock)
    await age_bnpl_installments(shop.sessions, shop.clock)


async def test_a_hundred_days_of_due_dates_reminders_aging_and_penalty(shop: Shop) -> None:
    # given a bank-funded plan whose shopper holds just enough for the first installment
    bank, _ = await bank_with_offer(shop.sessions, "Bank", rate="0.06")
    shopper = await another_shopper(shop, "Late")
    payment = await create_bnpl_intent(shop, 30_000, "late-1")
    assert await buy(shop, payment, shopper=shopper) == "OK"
    first, second, third = await _installments(shop)
    await fund(shop.sessions, shopper.require_participant(), first.owed)
    start = shop.clock.now()

    # when the worker's jobs run every day for 100 days (twice on some days)
    on_day_8: BnplInstallmentRow | None = None
    for day in range(1, 101):
        shop.clock.set(start + timedelta(days=day))
        await _run_daily_jobs(shop)
        if day % 7 == 0:
            await _run_daily_jobs(shop)  # a second run the same day changes nothing
        if shop.clock.now().date() == second.due_date + timedelta(days=8):
            on_day_8 = (await _installments(shop))[1]

    # then the first was debited on its due date; the others are late, with penalty
    first, second, third = await _installments(shop)
    assert first.paid_at is not None
    assert first.paid_at.date() == first.due_date
    assert on_day_8 is not None
    assert (on_day_8.days_past_due, on_day_8.bucket) == (8, "DPD_1_30")
    rate, grace = PLATFORM_PRODUCT.penalty_daily_rate, PLATFORM_PRODUCT.grace_days
    assert on_day_8.penalty_due == daily_penalty(second.principal_due, rate) * (8 - grace)
    today = shop.clock.now().date()
    for row in (second, third):
        late = (today - row.due_date).days
        assert row.days_past_due == late
        assert row.penalty_due == daily_penalty(row.principal_due, rate) * max(late - grace, 0)
    assert second.bucket == "DPD_31_60"
    # two reminders before each due date, to the shopper alone
    async with shop.sessions() as session:
        reminders = (
            await session.exec(
                select(OutboxEvent).where(col(OutboxEvent.type) == "lending.installment_due")
            )
        ).all()
    assert sorted((e.payload["number"], e.payload["due_date"]) for e in reminders) == sorted(
        (row.number, row.due_date.isoformat()) for row in (first, second, third) for _ in (3, 1)
    )
    assert {tuple(e.audience) for e in reminders} == {(shopper.require_participant(),)}

    # when the shopper can pay again, the next automatic debit takes everything owed
    owed = second.owed + third.owed
    await fund(shop.sessions, shopper.require_participant(), owed)
    await _run_daily_jobs(shop)

    # then the plan is paid, and the bank got its principal, interest at its rate and penalty
    rows = await _installments(shop)
    assert all(r.owed == 0 and r.paid_at is not None for r in rows)
    async with shop.sessions() as session:
        plan = (await session.exec(select(BnplPlanRow))).one()
    assert plan.state == "PAID"
    interest = sum(r.interest_paid for r in rows)
    penalty = sum(r.penalty_paid for r in rows)
    assert penalty == second.penalty_due + third.penalty_due > 0
    earned = holder_interest(interest, holder_rate=Decimal("0.06"), borrower_rate=plan.annual_rate)
    assert await bank_balance(shop.sessions, bank) == earned + penalty
    assert await books_balance(shop.sessions)
