"""The shopper pays an intent: from the wallet, or by bank card through the rail.

Either way the money ends as a hold on the shopper's wallet (a card payment is first
collected into that wallet), so `held` shows what is in escrow and a cancellation or a
refunded dispute returns it where it can be spent. A DIRECT intent is captured at once.
A card the bank declines leaves the intent FAILED (the shopper pays a new intent); a bank
that has not answered refuses the attempt, to be retried with the same key.
"""

from __future__ import annotations

from enum import Enum
from typing import Any
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.idempotency.service import run_once
from domain.ledger.balances import TransferKind
from domain.ledger.services.posting import Leg, post_transfers
from domain.money import Money
from domain.payments.intents import PaymentEvent
from domain.payments.services.accounts import escrow_account
from domain.payments.services.capture import capture
from domain.payments.services.updates import (
    require_payment,
    start_paying,
    transition,
)
from domain.payments.tables import PaymentIntent
from domain.wallets.errors import RailDeclined
from domain.wallets.rails import PaymentRail, RailMethod, RailOutcome, RailResult
from domain.wallets.services.accounts import wallet_account
from domain.wallets.services.movements import settlement_account


class PaymentSource(Enum):
    WALLET = "WALLET"
    BANK_CARD = "BANK_CARD"


async def _collect(rail: PaymentRail, intent: PaymentIntent) -> RailResult:
    """Ask the bank for the amount; a bank that has not answered refuses the attempt."""
    result = await rail.collect(
        reference=f"payment-{intent.id}", amount=Money(intent.amount, intent.currency),
        method=RailMethod.BANK_CARD,
    )  # fmt: skip
    if result.outcome is RailOutcome.PENDING:
        raise RailDeclined("the bank has not confirmed; try again later", field="source")
    return result


async def pay_intent(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    rail: PaymentRail,
    payment_id: UUID,
    source: PaymentSource,
    idempotency_key: str,
) -> dict[str, Any]:
    """Pay the intent; its state after (HELD, SUCCEEDED, or FAILED when the card bounced)."""
    shopper_id = actor.require_person()
    await require_payment(session, payment_id)

    async def execute() -> dict[str, Any]:
        now = clock.now()
        intent = await start_paying(session, payment_id=payment_id, shopper_id=shopper_id,
                                    funding=source.value, now=now)  # fmt: skip
        currency = intent.currency
        wallet = await wallet_account(session, owner_id=shopper_id, currency=currency, now=now)
        escrow = await escrow_account(session, currency, now)
        details: dict[str, Any] = {"payment": str(intent.id)}
        if source is PaymentSource.BANK_CARD:
            result = await _collect(rail, intent)
            if result.outcome is RailOutcome.FAILED:
                await transition(session, intent, PaymentEvent.FAIL, now)
                return {"payment_id": str(intent.id), "state": intent.state}
            settlement = await settlement_account(session, currency, RailMethod.BANK_CARD, now)
            await post_transfers(session, now=now, legs=[
                Leg(settlement, wallet, intent.amount, "PAYMENT_COLLECT",
                    {**details, "rail_reference": result.rail_reference})])  # fmt: skip
        [hold] = await post_transfers(
            session, legs=[Leg(wallet, escrow, intent.amount, "PAYMENT", details)], now=now,
            journal_id=uuid4(), kind=TransferKind.PENDING,
        )  # fmt: skip
        intent.hold_id, intent.paid_at = hold, now
        if intent.mode == "ESCROW":
            await transition(session, intent, PaymentEvent.HOLD, now)
        else:
            await capture(session, intent, amount=intent.amount, now=now)
            await transition(session, intent, PaymentEvent.SUCCEED, now)
        record(session, actor=actor, action="payments.pay", outcome=Outcome.SUCCESS, at=now,
               target_type="PaymentIntent", target_id=intent.id,
               details={"amount": intent.amount, "currency": currency,
                        "source": source.value})  # fmt: skip
        return {"payment_id": str(intent.id), "state": intent.state}

    return await run_once(
        session, actor=actor, clock=clock, key=idempotency_key, operation="payments.pay",
        request={"payment": str(payment_id), "source": source.value}, execute=execute,
    )  # fmt: skip
