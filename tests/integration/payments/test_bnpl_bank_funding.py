"""BNPL funded by partner banks' offers through the matching engine, or by the platform book:
the cheapest offer that accepts the shopper's grade, term and amount; capacity never
over-committed by concurrent checkouts; the bank repaid its exact share, the spread to the
platform; refunds give the bank its principal back."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from uuid import UUID

from sqlmodel import col, select

from domain.consumer_credit.services import repayments
from domain.consumer_credit.services.bank_claims import funded_purchases
from domain.consumer_credit.tables import BnplFundingRow, BnplInstallmentRow, BnplPlanRow
from domain.events.tables import OutboxEvent
from domain.lending.distribution import holder_interest
from domain.lending.tables import BankFundingOffer
from domain.money import Money
from domain.payments.services import refunds
from support.bnpl import (
    another_shopper,
    bank_balance,
    bank_key,
    bank_with_offer,
    buy,
    create_bnpl_intent,
    escrow_balance,
    verify,
)
from support.payments import Shop, attempt, books_balance, fund, revenue


async def _claims(shop: Shop, payment: UUID) -> tuple[BnplPlanRow, list[BnplFundingRow]]:
    async with shop.sessions() as session:
        plan = (
            await session.exec(select(BnplPlanRow).where(col(BnplPlanRow.payment_id) == payment))
        ).one()
        claims = (
            await session.exec(
                select(BnplFundingRow)
                .where(col(BnplFundingRow.plan_id) == plan.id)
                .order_by(col(BnplFundingRow.principal).desc())
            )
        ).all()
        return plan, list(claims)


async def _offer(shop: Shop, offer_id: UUID) -> BankFundingOffer:
    async with shop.sessions() as session:
        offer = await session.get(BankFundingOffer, offer_id)
        assert offer is not None
        return offer


async def test_the_cheapest_accepting_offer_funds_and_is_repaid_its_share(shop: Shop) -> None:
    # given a shopper the risk engine grades B (verified, income declared, some wallet activity)
    # and three banks: the cheapest does not lend to grade B, the next is cheaper than the last
    decision = await verify(shop)
    assert (decision.status, decision.grade) == ("APPROVED", "B")
    _, picky = await bank_with_offer(shop.sessions, "Picky", rate="0.04", grades=["A", "C"])
    bank, cheap = await bank_with_offer(shop.sessions, "Cheap", rate="0.06")
    _, dear = await bank_with_offer(shop.sessions, "Dear", rate="0.09")
    payment = await create_bnpl_intent(shop, 30_000, "f-1")

    # when the shopper buys 300.00 in 3 installments
    assert await buy(shop, payment) == "OK"

    # then the cheapest offer that accepts the engine's grade funds all of it, and the bank is told
    plan, claims = await _claims(shop, payment)
    assert [(c.funder_kind, c.funder_id, c.principal, c.annual_rate) for c in claims] == [
        ("BANK", bank, 30_000, Decimal("0.06"))
    ]
    assert [(await _offer(shop, o)).committed for o in (picky, cheap, dear)] == [0, 30_000, 0]
    assert await bank_balance(shop.sessions, bank) == -30_000
    assert await escrow_balance(shop.sessions, plan.id) == 30_000
    async with shop.sessions() as session:
        [event] = (
            await session.exec(
                select(OutboxEvent).where(col(OutboxEvent.type) == "lending.match_created")
            )
        ).all()
    assert set(event.audience) == {bank, shop.shopper_id}
    assert event.payload["plan_id"] == str(plan.id)
    assert event.payload["amount"] == 30_000

    # when the shopper repays everything
    async with shop.sessions() as session:
        rows = (await session.exec(select(BnplInstallmentRow))).all()
    interest = sum(r.interest_due for r in rows)
    assert (
        await attempt(
            shop.sessions,
            lambda session: repayments.repay_installments(
                session=session,
                clock=shop.clock,
                actor=shop.shopper,
                plan_id=plan.id,
                amount=Money(30_000 + interest, "CNY"),
                idempotency_key="all",
            ),
        )
        == "OK"
    )

    # then the bank has its principal and interest at its rate; the spread is the platform's
    earned = holder_interest(interest, holder_rate=Decimal("0.06"), borrower_rate=Decimal("0.15"))
    assert await bank_balance(shop.sessions, bank) == earned
    assert await revenue(shop.sessions, "interest_spread") == interest - earned
    assert await revenue(shop.sessions, "bnpl_interest") == 0
    assert await escrow_balance(shop.sessions, plan.id) == 0
    _, claims = await _claims(shop, payment)
    assert (claims[0].principal_repaid, claims[0].interest_received) == (30_000, earned)
    assert await books_balance(shop.sessions)


async def test_what_no_offer_takes_stays_on_the_platform_book(shop: Shop) -> None:
    await verify(shop)
    bank, small = await bank_with_offer(shop.sessions, "Small", rate="0.05", capacity=10_000)
    await bank_with_offer(shop.sessions, "Long", rate="0.05", min_term_months=6)
    await bank_with_offer(shop.sessions, "Pricey", rate="0.20")  # above the shopper's rate
    payment = await create_bnpl_intent(shop, 30_000, "f-2")

    assert await buy(shop, payment) == "OK"

    plan, claims = await _claims(shop, payment)
    assert [(c.funder_kind, c.principal) for c in claims] == [
        ("PLATFORM_BOOK", 20_000),
        ("BANK", 10_000),
    ]
    assert (await _offer(shop, small)).committed == 10_000

    # a refund of 250.00 takes the last installments' principal: shared by outstanding principal
    assert (
        await attempt(
            shop.sessions,
            lambda session: refunds.refund_payment(
                session=session,
                clock=shop.clock,
                actor=shop.merchant,
                payment_id=payment,
                amount=Money(25_000, "CNY"),
                reason="returned",
                idempotency_key="refund",
            ),
        )
        == "OK"
    )
    _, claims = await _claims(shop, payment)
    repaid = {c.funder_kind: c.principal_repaid for c in claims}
    assert repaid == {"PLATFORM_BOOK": 16_667, "BANK": 8_333}
    assert await bank_balance(shop.sessions, bank) == -10_000 + 8_333
    assert await escrow_balance(shop.sessions, plan.id) == 10_000 - 8_333
    assert await books_balance(shop.sessions)


async def test_an_interest_free_plan_is_the_books_alone(shop: Shop) -> None:
    await verify(shop)
    _, offer = await bank_with_offer(shop.sessions, "Any", rate="0.01")
    payment = await create_bnpl_intent(shop, 30_000, "f-3", payer="MERCHANT")

    assert await buy(shop, payment) == "OK"

    _, claims = await _claims(shop, payment)
    assert [(c.funder_kind, c.principal) for c in claims] == [("PLATFORM_BOOK", 30_000)]
    assert (await _offer(shop, offer)).committed == 0


async def test_concurrent_checkouts_never_over_commit_an_offer(shop: Shop) -> None:
    # given one offer with room for 500.00 and six shoppers buying 300.00 at once
    await verify(shop)
    bank, offer = await bank_with_offer(shop.sessions, "Only", rate="0.05", capacity=50_000)
    buyers = [await another_shopper(shop, f"Buyer{n}") for n in range(6)]
    for buyer in buyers:
        await fund(shop.sessions, buyer.require_participant(), 10_000)
    payments = [await create_bnpl_intent(shop, 30_000, f"race-{n}") for n in range(6)]

    outcomes = await asyncio.gather(
        *(
            buy(shop, payment, shopper=buyer)
            for payment, buyer in zip(payments, buyers, strict=True)
        )
    )

    # then every purchase is funded, the offer exactly to its capacity, the book the rest
    assert outcomes == ["OK"] * 6
    banked = 0
    for payment in payments:
        _, claims = await _claims(shop, payment)
        assert sum(c.principal for c in claims) == 30_000
        banked += sum(c.principal for c in claims if c.funder_kind == "BANK")
    assert banked == (await _offer(shop, offer)).committed == 50_000
    assert await bank_balance(shop.sessions, bank) == -50_000
    assert await books_balance(shop.sessions)


async def test_a_banks_cap_on_one_borrower_counts_what_it_already_funds(shop: Shop) -> None:
    # given a bank lending at most 400.00 to any one shopper, and a second, dearer bank
    await verify(shop)
    capped, _ = await bank_with_offer(shop.sessions, "Capped", rate="0.05", per_borrower_cap=40_000)
    other, _ = await bank_with_offer(shop.sessions, "Other", rate="0.07")
    first = await create_bnpl_intent(shop, 30_000, "cap-1")
    second = await create_bnpl_intent(shop, 30_000, "cap-2")

    # when the shopper buys twice
    assert await buy(shop, first) == "OK"
    assert await buy(shop, second) == "OK"

    # then the capped bank funds the first and 100.00 of the second, the other bank the rest
    _, claims = await _claims(shop, second)
    assert {(c.funder_id, c.principal) for c in claims} == {(capped, 10_000), (other, 20_000)}


async def test_a_bank_sees_the_purchases_it_funds(shop: Shop) -> None:
    await verify(shop)
    bank, offer = await bank_with_offer(shop.sessions, "Viewer", rate="0.06")
    payment = await create_bnpl_intent(shop, 30_000, "view-1")
    assert await buy(shop, payment) == "OK"
    async with shop.sessions() as session:
        seen = await funded_purchases(session, actor=bank_key(bank))
        by_another_bank = await funded_purchases(session, actor=bank_key(shop.referrer))

    assert [(claim.offer_id, claim.principal, plan.payment_id) for plan, claim in seen] == [
        (offer, 30_000, payment)
    ]
    assert by_another_bank == []
