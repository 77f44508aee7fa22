"""Refunds of a captured payment: full, partial or several, each idempotent.

Every refund takes back from the MDR fee and each split leg in proportion (the pure rule
domain/revenue/refund_reversal.py keeps several partial refunds exact), pays the shopper's wallet,
and never exceeds what remains: the intent's row is locked first, so concurrent refunds of
one payment run one after the other and the second sees what the first took.
A party that no longer has its share (a merchant that withdrew it) makes the refund fail
with INSUFFICIENT_FUNDS: nothing is given back in part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.audit.service import Outcome, record
from domain.clock import Clock
from domain.consumer_credit.services.accounts import discount_account
from domain.consumer_credit.services.refund_purchase import plan_of_payment, refund_legs
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.insurance.services.return_shipping import claim_return_freight
from domain.ledger.services.posting import Leg, post_transfers
from domain.money import Money
from domain.payments.errors import PaymentStateError, RefundTooLarge
from domain.payments.services.accounts import escrow_account, mdr_account, party_account
from domain.payments.services.capture import (
    captured_split_of,
    legs_json,
    merchant_party,
    settlement_line,
)
from domain.payments.services.intents import merchant_of
from domain.payments.services.updates import (
    check_transition,
    intent_now,
    locked_intent,
    require_payment,
    transition,
)
from domain.payments.settlement_entries import refund_entry
from domain.payments.states import refund_event
from domain.payments.tables import PaymentIntent, PaymentRefund
from domain.revenue.refund_reversal import Reversal, reverse_for_refund
from domain.wallets.services.accounts import wallet_account


async def _reversal_legs(
    session: AsyncSession,
    intent: PaymentIntent,
    reversal: Reversal,
    *,
    fee_account: int,
    target: int,
    now: datetime,
) -> list[Leg]:
    """Each party's give-back to `target`; largest remainder may hand a party one unit back
    (see domain/revenue/refund_reversal.py), which goes the other way, after the rest."""
    details = {"payment": str(intent.id)}
    gives = [(fee_account, reversal.fee.minor, "FEE")]
    for leg in reversal.legs:
        account = await party_account(session, leg.party, intent.currency, now)
        gives.append((account, leg.amount.minor, leg.party.role.value))
    back = [Leg(a, target, n, "REFUND", {**details, "role": r}) for a, n, r in gives if n > 0]
    forth = [Leg(target, a, -n, "REFUND", {**details, "role": r}) for a, n, r in gives if n < 0]
    return back + forth


async def refund_captured(
    session: AsyncSession,
    intent: PaymentIntent,
    *,
    amount: int,
    reason: str,
    now: datetime,
    created_by: UUID | None,
) -> PaymentRefund:
    """Give `amount` of the captured money back to the shopper (the intent is locked)."""
    remaining = intent.captured_amount - intent.refunded_amount
    if intent.captured_amount == 0 or intent.shopper_id is None:
        raise PaymentStateError("nothing of this payment was captured", field="payment_id")
    if not 0 < amount <= remaining:
        raise RefundTooLarge(
            f"at most {Money(remaining, intent.currency).text()} remains",
            field="amount",
        )
    event = refund_event(
        captured=intent.captured_amount, refunded_after=intent.refunded_amount + amount
    )
    check_transition(intent, event)
    reversal = reverse_for_refund(
        captured_split_of(intent),
        refunded_before=Money(intent.refunded_amount, intent.currency),
        refund=Money(amount, intent.currency),
    )
    shopper = await wallet_account(
        session, owner_id=intent.shopper_id, currency=intent.currency, now=now
    )
    journal = uuid4()
    plan = await plan_of_payment(session, intent.id) if intent.funding == "BNPL" else None
    if plan is None:
        fee_account = await mdr_account(session, intent.currency, now)
        legs = await _reversal_legs(
            session, intent, reversal, fee_account=fee_account, target=shopper, now=now
        )
    else:  # a BNPL purchase: the refund pays off installments first (consumer_credit)
        clearing = await escrow_account(session, intent.currency, now)
        fee_account = await discount_account(session, intent.currency, now)
        legs = await _reversal_legs(
            session, intent, reversal, fee_account=fee_account, target=clearing, now=now
        )
        legs += await refund_legs(
            session, plan, refund=amount, clearing=clearing, shopper_wallet=shopper, now=now
        )
    await post_transfers(session, legs=legs, now=now, journal_id=journal)
    refund = PaymentRefund(
        payment_id=intent.id,
        amount=amount,
        currency=intent.currency,
        source="CAPTURED",
        reason=reason[:200],
        fee_reversed=reversal.fee.minor,
        legs_reversed=legs_json(reversal.legs),
        journal_id=journal,
        created_by=created_by,
        created_at=now,
    )
    session.add(refund)
    await session.flush()
    entry = refund_entry(
        reference=str(refund.id),
        refunded_on=now.date(),
        reversal=reversal,
        merchant=merchant_party(intent),
    )
    session.add(settlement_line(intent, entry))
    intent.refunded_amount += amount
    await transition(session, intent, event, now)
    await claim_return_freight(session, intent, now=now)
    return refund


@dataclass(frozen=True, slots=True)
class RefundKept(StoredAnswer):
    """What a refund's key keeps: the payment and its refund."""

    payment_id: UUID
    refund_id: UUID


@dataclass(frozen=True, slots=True)
class Refunded:
    """A refund (first or replayed), with its payment as it is now."""

    refund: PaymentRefund
    intent: PaymentIntent


async def refund_payment(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    payment_id: UUID,
    amount: Money | None,
    reason: str,
    idempotency_key: str,
) -> Refunded:
    """The merchant refunds `amount` (everything that remains when None) of a payment."""
    merchant_id = merchant_of(actor, write=True)
    if amount is not None and amount.minor <= 0:
        raise InvalidInput("must be greater than zero", field="amount")
    if len(reason) > 200:
        raise InvalidInput("must be at most 200 characters", field="reason")
    await require_payment(session, payment_id, merchant_id=merchant_id)

    written: list[Refunded] = []

    async def execute() -> RefundKept:
        now = clock.now()
        intent = await locked_intent(session, payment_id)
        if intent.merchant_id != merchant_id:
            raise NotFound("no such payment", field="payment_id")
        if amount is not None and amount.currency != intent.currency:
            raise InvalidInput(f"the payment is in {intent.currency}", field="amount")
        minor = intent.captured_amount - intent.refunded_amount if amount is None else amount.minor
        refund = await refund_captured(
            session, intent, amount=minor, reason=reason, now=now, created_by=actor.participant_id
        )
        record(
            session,
            actor=actor,
            action="payments.refund",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="PaymentIntent",
            target_id=intent.id,
            details={"amount": minor, "currency": intent.currency},
        )
        written.append(Refunded(refund, intent))
        return RefundKept(payment_id=intent.id, refund_id=refund.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="payments.refund",
        request={
            "payment": str(payment_id),
            "amount": amount.minor if amount else None,
            "currency": amount.currency if amount else None,
            "reason": reason,
        },
        execute=execute,
        answer=RefundKept,
    )
    if written:
        return written[0]
    refund = await session.get(PaymentRefund, answer.refund_id)
    assert refund is not None  # refunds are never deleted
    return Refunded(refund, await intent_now(session, answer.payment_id))
