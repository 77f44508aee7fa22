"""The shopper pays an intent: from the wallet, or by bank card through the rail.

An ESCROW intent's money ends as a hold on the shopper's wallet (a card payment is first
collected into that wallet), so `held` shows what is in escrow and a cancellation or a
refunded dispute returns it where it can be spent. A DIRECT intent is captured at once: one
posting takes the money from the wallet into ESCROW and out to the fee and the split.
A card the bank declines leaves the intent FAILED (the shopper pays a new intent); a bank
that has not answered refuses the attempt, to be retried with the same key.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.events.services.outbox import record_events
from domain.insurance.services.return_shipping import insure_return_shipping
from domain.ledger.balances import TransferKind
from domain.ledger.services.account_locks import lock_accounts_by_key
from domain.ledger.services.posting import Leg, post_transfers
from domain.money import Money
from domain.payments.services.accounts import escrow_key, rail_key
from domain.payments.services.capture import (
    locked_for,
    record_capture,
    share_keys,
    share_legs,
    split_of,
)
from domain.payments.services.intents import get_payment
from domain.payments.services.updates import (
    intent_once,
    paying_intent,
    step,
    transition,
    updated_event,
)
from domain.payments.states import PaymentEvent
from domain.payments.tables import PaymentIntent
from domain.wallets.errors import RailDeclined
from domain.wallets.rails import PaymentRail, RailMethod, RailOutcome, RailResult
from domain.wallets.services.accounts import wallet_key


class PaymentSource(Enum):
    WALLET = "WALLET"
    BANK_CARD = "BANK_CARD"


async def _collect(rail: PaymentRail, intent: PaymentIntent) -> RailResult:
    """Ask the bank for the amount; a bank that has not answered refuses the attempt."""
    result = await rail.collect(
        reference=f"payment-{intent.id}",
        amount=Money(intent.amount, intent.currency),
        method=RailMethod.BANK_CARD,
    )
    if result.outcome is RailOutcome.PENDING:
        raise RailDeclined("the bank has not confirmed; try again later", field="source")
    return result


def _audit(
    session: AsyncSession, actor: Actor, intent: PaymentIntent, source: PaymentSource, now: datetime
) -> None:
    record(
        session,
        actor=actor,
        action="payments.pay",
        outcome=Outcome.SUCCESS,
        at=now,
        target_type="PaymentIntent",
        target_id=intent.id,
        details={"amount": intent.amount, "currency": intent.currency, "source": source.value},
    )


async def _paid(
    session: AsyncSession,
    intent: PaymentIntent,
    now: datetime,
    events: list[dict[str, Any]],
    collected: dict[str, Any] | None,
) -> None:
    """The shopper's money moves: into an escrow hold, or (direct) through ESCROW to the fee
    and the split in one posting. All else is written first (the intent, `events` and its
    own, the settlement line, the audit entry), so the shared accounts (ESCROW, revenue, the
    merchant's wallet) stay locked only for the posting and the commit that follows.
    `collected`: the rail's answer when a card paid into the shopper's wallet just now."""
    currency, details = intent.currency, {"payment": str(intent.id)}
    assert intent.shopper_id is not None
    wallet, escrow = wallet_key(intent.shopper_id, currency), escrow_key(currency)
    keys, split = {wallet, escrow}, None
    if intent.mode == "ESCROW":
        step(intent, PaymentEvent.HOLD, now)
    else:
        with session.no_autoflush:  # the intent is written once, below
            split = await split_of(session, intent, intent.amount)
        record_capture(session, intent, split, intent.amount, now)
        step(intent, PaymentEvent.SUCCEED, now)
        keys |= share_keys(intent, split)
    if collected is not None:
        keys.add(rail_key(currency, RailMethod.BANK_CARD))
    session.add(intent)
    await session.flush()
    await record_events(session, [*events, updated_event(intent, now)])
    accounts = await lock_accounts_by_key(session, keys, now=now)
    legs = []
    if collected is not None:  # into the wallet first: the wallet pays what it holds
        legs.append(
            Leg(
                accounts[rail_key(currency, RailMethod.BANK_CARD)].id,
                accounts[wallet].id,
                intent.amount,
                "PAYMENT_COLLECT",
                {**details, **collected},
            )
        )
    pay = Leg(accounts[wallet].id, accounts[escrow].id, intent.amount, "PAYMENT", details)
    if split is not None:
        legs += [pay, *share_legs(intent, split, accounts)]
        await post_transfers(
            session, legs=legs, now=now, journal_id=uuid4(), locked=locked_for(legs, accounts)
        )
        return
    if legs:  # a posting, then the hold: post_transfers updates the locked balances it uses
        await post_transfers(session, legs=legs, now=now, locked=locked_for(legs, accounts))
    [intent.hold_id] = await post_transfers(
        session,
        legs=[pay],
        now=now,
        journal_id=uuid4(),
        kind=TransferKind.PENDING,
        locked=locked_for([pay], accounts),
    )
    session.add(intent)


async def pay_intent(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    rail: PaymentRail,
    payment_id: UUID,
    source: PaymentSource,
    idempotency_key: str,
    cover_product_id: UUID | None = None,
) -> PaymentIntent:
    """Pay the intent; the intent after (HELD, SUCCEEDED, or FAILED when the card bounced).
    `cover_product_id`: a RETURN_SHIPPING product to insure the escrow payment with; its
    premium is paid from the wallet too (domain/insurance/services/return_shipping.py). A
    payment the merchant insured at creation is bound its cover here, at the merchant's
    cost, and takes no other (CoverAlreadyAdded)."""
    shopper_id = actor.require_person()
    # Another's payment the caller may not see (paid, by someone else) is no payment at all:
    # its state must not answer. Checked before the key is claimed, so probing leaves no trace.
    await get_payment(session, actor=actor, payment_id=payment_id, field="payment_id")

    async def execute() -> PaymentIntent:
        now = clock.now()
        intent = await paying_intent(
            session, payment_id=payment_id, shopper_id=shopper_id, funding=source.value, now=now
        )
        processing = updated_event(intent, now)
        collected = None
        if source is PaymentSource.BANK_CARD:
            result = await _collect(rail, intent)
            if result.outcome is RailOutcome.FAILED:
                session.add(intent)
                await record_events(session, [processing])
                await transition(session, intent, PaymentEvent.FAIL, now)
                return intent
            collected = {"rail_reference": result.rail_reference}
        intent.paid_at = now
        _audit(session, actor, intent, source, now)
        # Before _paid: the escrow is locked last. The merchant's cover, or the shopper's.
        await insure_return_shipping(
            session, actor, intent=intent, product_id=cover_product_id, now=now
        )
        await _paid(session, intent, now, [processing], collected)
        return intent

    return await intent_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="payments.pay",
        request={
            "payment": str(payment_id),
            "source": source.value,
            **({"cover": str(cover_product_id)} if cover_product_id else {}),
        },
        execute=execute,
        keep_state=True,
    )
