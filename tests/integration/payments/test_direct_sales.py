"""Direct payments from the wallet: one posting through ESCROW to the fee and the split, all
or nothing, and many at once for one merchant."""

from __future__ import annotations

import asyncio
from uuid import UUID

from sqlalchemy import func, select

from domain.actors import Actor, ActorKind
from domain.events.tables import OutboxEvent
from domain.ledger.account_kinds import AccountKind
from domain.ledger.services.posting import ACCOUNTS
from domain.ledger.tables import LedgerTransfer
from domain.participants.roles import Role
from domain.payments.services import paying
from domain.payments.services.paying import PaymentSource
from domain.payments.tables import PaymentIntent, SettlementLine
from domain.wallets.rails import SimulatedRail
from support.payments import (
    Shop,
    attempt,
    books_balance,
    create_intent,
    fund,
    make_participant,
    pay,
    revenue,
    wallet,
)


async def _escrow_net(shop: Shop) -> int:
    async with shop.sessions() as session:
        row = (
            await (await session.connection()).execute(
                select(ACCOUNTS).where(ACCOUNTS.c.kind == AccountKind.ESCROW.value)
            )
        ).one()
    return int(row.credits_posted - row.debits_posted + row.credits_pending - row.debits_pending)


async def _count(shop: Shop, model: type, **where: object) -> int:
    async with shop.sessions() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int((await session.exec(query)).one()[0])  # type: ignore[call-overload]


async def test_a_direct_sale_shares_the_money_in_one_posting(shop: Shop) -> None:
    payment = await create_intent(shop, 10_000, order="direct-1", mode="DIRECT")

    assert await pay(shop, payment) == "SUCCEEDED"

    # 100.00 less the 0.60 % fee, split 90/10; ESCROW nets to zero; the books add up
    assert (await wallet(shop.sessions, shop.shopper_id)).available.minor == 990_000
    assert (await wallet(shop.sessions, shop.merchant_id)).available.minor == 8_946
    assert (await wallet(shop.sessions, shop.referrer)).available.minor == 994
    assert await revenue(shop.sessions, "mdr") == 60
    assert await _escrow_net(shop) == 0
    assert await books_balance(shop.sessions)
    async with shop.sessions() as session:
        journals = (
            await session.exec(
                select(LedgerTransfer.journal_id).where(
                    LedgerTransfer.details["payment"].astext == str(payment)
                )  # type: ignore[index]
            )
        ).all()
        events = (
            await session.exec(
                select(OutboxEvent.payload)
                .where(OutboxEvent.aggregate_id == str(payment))
                .order_by(OutboxEvent.id)  # type: ignore[arg-type]
            )
        ).all()
    assert len(journals) == 4
    assert len(set(journals)) == 1
    assert [e[0]["state"] for e in events] == ["REQUIRES_PAYMENT", "PROCESSING", "SUCCEEDED"]
    assert await _count(shop, SettlementLine, reference_id=payment) == 1


async def test_a_shopper_short_of_money_changes_nothing(shop: Shop) -> None:
    payment = await create_intent(shop, 2_000_000, order="too-much", mode="DIRECT")

    async def pay_it(session):  # type: ignore[no-untyped-def]
        return await paying.pay_intent(
            session=session,
            clock=shop.clock,
            actor=shop.shopper,
            rail=SimulatedRail(),
            payment_id=payment,
            source=PaymentSource.WALLET,
            idempotency_key="short",
        )

    assert await attempt(shop.sessions, pay_it) == "INSUFFICIENT_FUNDS"
    assert await attempt(shop.sessions, pay_it) == "INSUFFICIENT_FUNDS"  # replayed

    async with shop.sessions() as session:
        intent = await session.get(PaymentIntent, payment)
        assert intent is not None
        assert intent.state == "REQUIRES_PAYMENT"
    assert await _count(shop, SettlementLine) == 0
    assert await _count(shop, LedgerTransfer) == 1  # the shopper's funding only
    assert (await wallet(shop.sessions, shop.shopper_id)).available.minor == 1_000_000
    assert await books_balance(shop.sessions)


async def test_concurrent_sales_of_one_merchant_all_land_and_add_up(shop: Shop) -> None:
    # given ten shoppers, each paying a direct intent of the same merchant at once
    shoppers = []
    async with shop.sessions() as session:
        for n in range(10):
            shoppers.append(await make_participant(session, f"Buyer{n}", Role.INVESTOR))
        await session.commit()
    for shopper in shoppers:
        await fund(shop.sessions, shopper, 10_000)
    payments = [
        await create_intent(shop, 1_000, order=f"rush-{n}", mode="DIRECT") for n in range(10)
    ]

    async def buy(shopper: UUID, payment: UUID) -> str:
        actor = Actor(ActorKind.PERSON, participant_id=shopper, roles=frozenset({Role.INVESTOR}))
        return await attempt(
            shop.sessions,
            lambda session: paying.pay_intent(
                session=session,
                clock=shop.clock,
                actor=actor,
                rail=SimulatedRail(),
                payment_id=payment,
                source=PaymentSource.WALLET,
                idempotency_key=f"rush-{payment}",
            ),
        )

    outcomes = await asyncio.gather(*(buy(s, p) for s, p in zip(shoppers, payments, strict=True)))

    assert outcomes == ["OK"] * 10
    assert (await wallet(shop.sessions, shop.merchant_id)).available.minor == 10 * 895
    assert await revenue(shop.sessions, "mdr") == 10 * 6
    assert await _escrow_net(shop) == 0
    assert await books_balance(shop.sessions)
