"""Settlement of many merchants in one transaction: each its own batch and payout, a wallet
spent meanwhile carried over alone, and the ledger whole."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from sqlmodel import col, select

from domain.actors import Actor, ActorKind
from domain.clock import FixedClock
from domain.money import Money
from domain.participants.roles import Role, Scope
from domain.payments.services import intents
from domain.payments.services.settle_merchants import run_settlement
from domain.payments.tables import Payout, SettlementBatchRow, SettlementLine
from domain.wallets.rails import SimulatedRail
from domain.wallets.services.operations import adjust_wallet
from support.payments import Shop, books_balance, make_participant, pay, wallet


def _key_of(merchant: UUID) -> Actor:
    return Actor(
        ActorKind.API_KEY,
        participant_id=merchant,
        roles=frozenset({Role.MERCHANT}),
        scopes=frozenset({Scope.PAYMENTS_READ, Scope.PAYMENTS_WRITE}),
        api_key_id=merchant,
    )


async def _sell(shop: Shop, merchant: UUID, minor: int) -> None:
    async with shop.sessions() as session:
        answer = await intents.create_payment_intent(
            session=session,
            clock=shop.clock,
            actor=_key_of(merchant),
            new=intents.NewIntent(Money(minor, "CNY"), uuid4().hex, mode="DIRECT"),
            idempotency_key=uuid4().hex,
        )
        await session.commit()
    assert await pay(shop, answer.id) == "SUCCEEDED"


async def test_merchants_settled_together_are_paid_apart(shop: Shop) -> None:
    # given three merchants with two direct sales each, and one who spent its takings
    async with shop.sessions() as session:
        merchants = [await make_participant(session, f"Shop{n}", Role.MERCHANT) for n in range(3)]
        await session.commit()
    for merchant in merchants:
        await _sell(shop, merchant, 10_000)
        await _sell(shop, merchant, 5_000)
    spender = merchants[1]
    async with shop.sessions() as session:
        await adjust_wallet(
            session=session,
            clock=FixedClock(shop.clock.now()),
            actor=Actor.system(),
            participant_id=spender,
            amount=Money(-1_000, "CNY"),
            reason="spent before payout",
            idempotency_key="spent",
        )
        await session.commit()
    shop.clock.advance(timedelta(days=1))

    # when settlement runs, and again
    assert await run_settlement(shop.sessions, shop.clock, rail=SimulatedRail()) == 3
    assert await run_settlement(shop.sessions, shop.clock, rail=SimulatedRail()) == 0

    # then each has its batch of both lines (15,000 less the 0.60 % fee = 14,910)
    async with shop.sessions() as session:
        batches = {b.merchant_id: b for b in (await session.exec(select(SettlementBatchRow))).all()}
        payouts = {p.merchant_id: p for p in (await session.exec(select(Payout))).all()}
        open_lines = select(SettlementLine).where(col(SettlementLine.batch_id).is_(None))
        unsettled = (await session.exec(open_lines)).all()
    assert unsettled == []
    assert {m: (b.lines, b.net, b.payout) for m, b in batches.items()} == {
        m: (2, 14_910, 14_910) for m in merchants
    }
    # the spender's payout alone failed and is carried; the others left their wallets
    assert {m: p.state for m, p in payouts.items()} == {
        merchants[0]: "PAID",
        spender: "FAILED",
        merchants[2]: "PAID",
    }
    assert batches[spender].carried_out == 14_910
    assert (await wallet(shop.sessions, spender)).available.minor == 13_910
    for merchant in (merchants[0], merchants[2]):
        assert (await wallet(shop.sessions, merchant)).total.minor == 0
    assert await books_balance(shop.sessions)
