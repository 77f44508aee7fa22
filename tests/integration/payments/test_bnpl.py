"""BNPL at checkout: eligibility and limits, the merchant paid at once, repayments by hand
and by the automatic debit, refunds that shrink installments last first, exact credit."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from sqlmodel import col, select

from domain.consumer_credit.services import repayments
from domain.consumer_credit.tables import BnplInstallmentRow, BnplPlanRow, CreditLineRow
from domain.money import Money
from domain.payments.services import refunds
from domain.payments.services.capture import captured_split_of
from domain.payments.tables import PaymentIntent
from domain.revenue.splits import Role
from support.bnpl import buy, create_bnpl_intent, verify
from support.payments import Shop, attempt, books_balance, revenue, wallet


async def _state(shop: Shop) -> tuple[BnplPlanRow, list[BnplInstallmentRow], CreditLineRow]:
    async with shop.sessions() as session:
        plan = (await session.exec(select(BnplPlanRow))).one()
        query = select(BnplInstallmentRow).where(col(BnplInstallmentRow.plan_id) == plan.id)
        rows = (await session.exec(query.order_by(col(BnplInstallmentRow.number)))).all()
        line = (await session.exec(select(CreditLineRow))).one()
        return plan, list(rows), line


async def _refund(shop: Shop, payment: UUID, minor: int, key: str) -> str:
    return await attempt(
        shop.sessions,
        lambda session: refunds.refund_payment(
            session=session,
            clock=shop.clock,
            actor=shop.merchant,
            payment_id=payment,
            amount=Money(minor, "CNY"),
            reason="returned",
            idempotency_key=key,
        ),
    )


async def test_an_unverified_shopper_may_not_and_a_verified_one_within_the_limit(
    shop: Shop,
) -> None:
    payment = await create_bnpl_intent(shop, 30_000, "b-0")
    assert await buy(shop, payment) == "KYC_REQUIRED"

    decision = await verify(shop)
    too_big = await create_bnpl_intent(shop, decision.credit_limit + 100, "b-big")

    assert await buy(shop, too_big) == "CREDIT_LIMIT_EXCEEDED"
    assert await buy(shop, payment) == "KYC_REQUIRED"  # the same key: the same answer
    assert await buy(shop, payment, key="-again") == "OK"


async def test_the_merchant_is_paid_at_once_and_the_shopper_repays_with_interest(
    shop: Shop,
) -> None:
    # given a verified shopper buying 300.00 in 3 installments, paying the interest
    decision = await verify(shop)
    payment = await create_bnpl_intent(shop, 30_000, "b-1")

    assert await buy(shop, payment) == "OK"

    # then the merchant has the price less its 2.5 % discount, and the credit is used
    assert (await wallet(shop.sessions, shop.merchant_id)).available.minor == 30_000 - 750
    assert await revenue(shop.sessions, "bnpl_discount") == 750
    plan, rows, line = await _state(shop)
    assert sum(r.principal_due for r in rows) == 30_000
    assert all(r.interest_due > 0 for r in rows)
    assert (line.credit_limit, line.used) == (decision.credit_limit, 30_000)
    # and the payment reads as captured, its split as payments writes one
    async with shop.sessions() as session:
        intent = await session.get(PaymentIntent, payment)
    assert intent is not None
    assert (intent.captured_amount, intent.fee_amount) == (30_000, 750)
    assert intent.paid_at == intent.released_at == shop.clock.now()
    split = captured_split_of(intent)
    assert split.fee == Money(750, "CNY")
    assert [(leg.party.role, leg.amount) for leg in split.legs] == [
        (Role.MERCHANT, Money(30_000 - 750, "CNY"))
    ]

    # when the shopper repays the first installment by hand
    first = rows[0].principal_due + rows[0].interest_due
    assert (
        await attempt(
            shop.sessions,
            lambda session: repayments.repay_installments(
                session=session,
                clock=shop.clock,
                actor=shop.shopper,
                plan_id=plan.id,
                amount=Money(first, "CNY"),
                idempotency_key="repay-1",
            ),
        )
        == "OK"
    )

    # then the credit is restored by the principal only, and interest is revenue
    _, rows_after, line = await _state(shop)
    assert rows_after[0].paid_at is not None
    assert line.used == 30_000 - rows[0].principal_due
    assert await revenue(shop.sessions, "bnpl_interest") == rows[0].interest_due

    # when the next due date passes, the automatic debit takes the second installment
    shop.clock.advance(timedelta(days=62))
    assert await repayments.collect_due_installments(shop.sessions, shop.clock) == 1
    assert await repayments.collect_due_installments(shop.sessions, shop.clock) == 0
    _, rows_after, line = await _state(shop)
    assert [r.paid_at is not None for r in rows_after] == [True, True, False]
    assert line.used == rows[2].principal_due
    assert await books_balance(shop.sessions)


async def test_a_refund_shrinks_the_last_installments_and_restores_the_credit_exactly(
    shop: Shop,
) -> None:
    await verify(shop)
    payment = await create_bnpl_intent(shop, 60_000, "b-2")
    assert await buy(shop, payment, 6) == "OK"
    plan, rows, _ = await _state(shop)
    paid = rows[0].principal_due + rows[0].interest_due
    assert (
        await attempt(
            shop.sessions,
            lambda session: repayments.repay_installments(
                session=session,
                clock=shop.clock,
                actor=shop.shopper,
                plan_id=plan.id,
                amount=Money(paid, "CNY"),
                idempotency_key="repay-first",
            ),
        )
        == "OK"
    )
    before = (await wallet(shop.sessions, shop.shopper_id)).available.minor

    # when the merchant refunds 150.00 (the last installments shrink), then the rest
    assert await _refund(shop, payment, 15_000, "r1") == "OK"
    _, after_one, line = await _state(shop)
    assert after_one[0].principal_due == 0  # paid already
    assert after_one[1].principal_due == rows[1].principal_due  # the next one is unchanged
    assert sum(r.principal_due for r in after_one) == 60_000 - rows[0].principal_due - 15_000
    assert line.used == 60_000 - rows[0].principal_due - 15_000
    assert await _refund(shop, payment, 45_000, "r2") == "OK"

    # then nothing is owed, the credit is whole again, and what was repaid came back
    plan, after_all, line = await _state(shop)
    assert plan.state == "REFUNDED"
    assert all(r.principal_due == r.interest_due == 0 for r in after_all)
    assert line.used == 0
    shopper = (await wallet(shop.sessions, shop.shopper_id)).available.minor
    assert shopper - before == rows[0].principal_due  # principal back; paid interest kept
    assert (await wallet(shop.sessions, shop.merchant_id)).total.minor == 0
    assert await revenue(shop.sessions, "bnpl_discount") == 0
    assert await books_balance(shop.sessions)


async def test_a_merchant_subsidised_plan_costs_the_shopper_no_interest(shop: Shop) -> None:
    await verify(shop)
    payment = await create_bnpl_intent(shop, 120_000, "b-3", payer="MERCHANT")

    assert await buy(shop, payment, 12) == "OK"

    plan, rows, _ = await _state(shop)
    assert all(r.interest_due == 0 for r in rows)
    assert sum(r.principal_due for r in rows) == 120_000
    assert plan.merchant_subsidy > 0
    received = (await wallet(shop.sessions, shop.merchant_id)).available.minor
    assert received == 120_000 - plan.merchant_fee - plan.merchant_subsidy
    assert await books_balance(shop.sessions)
