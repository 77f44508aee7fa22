"""Payment intents as the merchant makes them: create (idempotent), read, ship, cancel.

Reading rules: the merchant, the shopper who paid, the split recipients and the operator see
a payment. Before anyone paid, any signed-in person holding its id may see it: the id is the
checkout link the merchant hands its shopper (a random UUID, like Stripe's client secret).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor, NotFound
from domain.clock import Clock
from domain.errors import InvalidInput, Violations
from domain.insurance.services.return_shipping import return_shipping_product
from domain.ledger.services.holds import void_hold
from domain.money import Money
from domain.participants.roles import Role as ParticipantRole
from domain.participants.roles import Scope
from domain.payments.errors import PaymentStateError
from domain.payments.escrow import EscrowTerms, auto_release_at
from domain.payments.fees import mdr_fee
from domain.payments.services.updates import (
    announce,
    audience,
    intent_once,
    locked_intent,
    require_payment,
    transition,
)
from domain.payments.states import PaymentEvent, PaymentState
from domain.payments.tables import PaymentIntent, PaymentRefund
from domain.revenue.services.fee_plans import merchant_terms
from domain.revenue.services.split_rules import ShareInput, store_rule, validated_rule
from domain.revenue.tables import SplitRuleRow

ESCROW_TERMS = EscrowTerms()  # 10 days after shipment, as Taobao


@dataclass(frozen=True, slots=True)
class LineItem:
    name: str
    quantity: int
    unit_amount: int  # minor units


@dataclass(frozen=True, slots=True)
class NewIntent:
    amount: Money
    order_reference: str
    mode: str = "ESCROW"  # or DIRECT
    description: str = ""
    line_items: tuple[LineItem, ...] = ()
    split_rule_id: UUID | None = None
    split: tuple[ShareInput, ...] = ()  # this payment's own rule
    installment_fee_payer: str = "BUYER"  # or MERCHANT: it subsidises BNPL interest
    # A RETURN_SHIPPING product the merchant insures the payment with (premium its own).
    return_shipping_product_id: UUID | None = None


def merchant_of(actor: Actor, *, write: bool) -> UUID:
    merchant_id = actor.require_role(ParticipantRole.MERCHANT)
    actor.require_scope(Scope.PAYMENTS_WRITE if write else Scope.PAYMENTS_READ)
    return merchant_id


def _check(new: NewIntent) -> None:
    violations = Violations()
    if new.amount.minor <= 0:
        violations.add("must be greater than zero", field="amount")
    if not 1 <= len(new.order_reference) <= 64:
        violations.add("must be 1..64 characters", field="order_reference")
    if new.mode not in ("ESCROW", "DIRECT"):
        violations.add("must be ESCROW or DIRECT", field="mode")
    if len(new.description) > 200:
        violations.add("must be at most 200 characters", field="description")
    if new.installment_fee_payer not in ("BUYER", "MERCHANT"):
        violations.add("must be BUYER or MERCHANT", field="installment_fee_payer")
    if new.split and new.split_rule_id is not None:
        violations.add("give a split rule or this payment's split, not both", field="split")
    for index, item in enumerate(new.line_items):
        if not 1 <= len(item.name) <= 120 or item.quantity < 1 or item.unit_amount < 0:
            violations.add(
                "needs a name, a quantity of 1+ and a price of 0+", field=f"line_items[{index}]"
            )
    if new.line_items and new.amount.minor != sum(
        i.quantity * i.unit_amount for i in new.line_items
    ):
        violations.add("must equal the sum of the line items", field="amount")
    violations.raise_if_any()


async def _split_rule_id(
    session: AsyncSession, merchant_id: UUID, new: NewIntent, now: datetime
) -> UUID | None:
    """The rule the payment will be split by (checked against its amount after the fee)."""
    terms = await merchant_terms(session, merchant_id=merchant_id, currency=new.amount.currency)
    after_fee = new.amount - mdr_fee(new.amount, terms.fee)
    if new.split:
        rule = await validated_rule(
            session,
            merchant_id=merchant_id,
            currency=new.amount.currency,
            shares=list(new.split),
            remainder=None,
            amount=after_fee,
        )
        row = store_rule(
            session,
            merchant_id=merchant_id,
            currency=new.amount.currency,
            name=f"payment {new.order_reference}",
            scope="PAYMENT",
            rule=rule,
            shares=list(new.split),
            is_default=False,
            now=now,
        )
        await session.flush()
        return row.id
    if new.split_rule_id is not None:
        found = await session.get(SplitRuleRow, new.split_rule_id)
        if found is None or found.merchant_id != merchant_id or found.archived_at is not None:
            raise NotFound("no such split rule", field="split_rule_id")
        if found.currency != new.amount.currency:
            raise InvalidInput(f"the rule is in {found.currency}", field="split_rule_id")
        return found.id
    return None  # the merchant's default rule at release, else everything to the merchant


async def create_payment_intent(
    *, session: AsyncSession, clock: Clock, actor: Actor, new: NewIntent, idempotency_key: str
) -> PaymentIntent:
    """A payment the shopper can pay; the same key and input give the same intent."""
    merchant_id = merchant_of(actor, write=True)
    _check(new)

    async def execute() -> PaymentIntent:
        now = clock.now()
        taken = await session.exec(
            select(PaymentIntent.id).where(
                col(PaymentIntent.merchant_id) == merchant_id,
                col(PaymentIntent.order_reference) == new.order_reference,
            )
        )
        if taken.first() is not None:
            raise InvalidInput("you already have a payment for this order", field="order_reference")
        cover = new.return_shipping_product_id
        if cover is not None:
            await return_shipping_product(
                session,
                cover,
                mode=new.mode,
                currency=new.amount.currency,
                field="return_shipping_product_id",
            )
        intent = PaymentIntent(
            merchant_id=merchant_id,
            amount=new.amount.minor,
            currency=new.amount.currency,
            order_reference=new.order_reference,
            description=new.description,
            line_items=[
                {"name": i.name, "quantity": i.quantity, "unitAmount": i.unit_amount}
                for i in new.line_items
            ],
            split_rule_id=await _split_rule_id(session, merchant_id, new, now),
            mode=new.mode,
            state=PaymentState.REQUIRES_PAYMENT.value,
            created_at=now,
            updated_at=now,
            installment_fee_payer=new.installment_fee_payer,
            return_shipping_product_id=cover,
        )
        session.add(intent)
        await announce(session, intent, now)
        return intent

    return await intent_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="payments.create",
        request={
            "amount": new.amount.minor,
            "currency": new.amount.currency,
            "order": new.order_reference,
            "mode": new.mode,
            "description": new.description,
            "items": [[i.name, i.quantity, i.unit_amount] for i in new.line_items],
            "rule": str(new.split_rule_id),
            "bnpl": new.installment_fee_payer,
            "split": [[s.role.value, s.party_id, s.percent_bps, s.amount] for s in new.split],
            **(
                {"cover": str(new.return_shipping_product_id)}
                if new.return_shipping_product_id
                else {}
            ),
        },
        execute=execute,
    )


def may_see(actor: Actor, intent: PaymentIntent) -> bool:
    if actor.is_operator:
        return True
    if actor.participant_id is None:
        return False
    if actor.participant_id == intent.merchant_id:
        actor.require_scope(Scope.PAYMENTS_READ)
        return True
    if actor.api_key_id is not None:
        return False  # machine clients see their own payments only
    if intent.state == PaymentState.REQUIRES_PAYMENT.value:
        return True  # the checkout link
    return actor.participant_id in audience(intent)


async def get_payment(
    session: AsyncSession, *, actor: Actor, payment_id: UUID, field: str = "id"
) -> PaymentIntent:
    """The payment if the caller may see it; NotFound (on `field`) otherwise, as if it did
    not exist."""
    actor.require_participant()
    intent = await session.get(PaymentIntent, payment_id)
    if intent is None or not may_see(actor, intent):
        raise NotFound("no such payment", field=field)
    return intent


async def merchant_payments(
    session: AsyncSession, *, actor: Actor, state: PaymentState | None, limit: int
) -> list[PaymentIntent]:
    """The caller's payments as a merchant, newest first."""
    merchant_id = merchant_of(actor, write=False)
    query = select(PaymentIntent).where(col(PaymentIntent.merchant_id) == merchant_id)
    if state is not None:
        query = query.where(col(PaymentIntent.state) == state.value)
    query = query.order_by(col(PaymentIntent.created_at).desc(), col(PaymentIntent.id)).limit(limit)
    return list((await session.exec(query)).all())


async def own_intent(session: AsyncSession, merchant_id: UUID, payment_id: UUID) -> PaymentIntent:
    intent = await locked_intent(session, payment_id)
    if intent.merchant_id != merchant_id:
        raise NotFound("no such payment", field="payment_id")
    return intent


async def confirm_shipment(
    *, session: AsyncSession, clock: Clock, actor: Actor, payment_id: UUID
) -> PaymentIntent:
    """The merchant shipped a held payment's goods: the auto-release clock starts (once)."""
    merchant_id = merchant_of(actor, write=True)
    intent = await own_intent(session, merchant_id, payment_id)
    if intent.mode != "ESCROW" or intent.state != PaymentState.HELD.value:
        raise PaymentStateError("only a payment held in escrow is shipped", field="payment_id")
    if intent.shipped_at is None:
        now = clock.now()
        intent.shipped_at = now
        intent.auto_release_at = auto_release_at(shipped_at=now, terms=ESCROW_TERMS)
        intent.updated_at = now
        session.add(intent)
        await announce(session, intent, now)
    return intent


async def cancel_payment(
    *, session: AsyncSession, clock: Clock, actor: Actor, payment_id: UUID, idempotency_key: str
) -> PaymentIntent:
    """The merchant cancels an unpaid or held payment; a held one's money goes back."""
    merchant_id = merchant_of(actor, write=True)
    await require_payment(session, payment_id, merchant_id=merchant_id)

    async def execute() -> PaymentIntent:
        now = clock.now()
        intent = await own_intent(session, merchant_id, payment_id)
        held = intent.state == PaymentState.HELD.value
        await transition(session, intent, PaymentEvent.CANCEL, now)
        if held and intent.hold_id is not None:
            await void_hold(session, hold_id=intent.hold_id, now=now)
        return intent

    return await intent_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="payments.cancel",
        request={"payment": str(payment_id)},
        execute=execute,
    )


async def payment_refunds(
    session: AsyncSession, *, actor: Actor, payment_id: UUID
) -> list[PaymentRefund]:
    """The refunds of a payment the caller may see, oldest first."""
    intent = await get_payment(session, actor=actor, payment_id=payment_id)
    query = (
        select(PaymentRefund)
        .where(col(PaymentRefund.payment_id) == intent.id)
        .order_by(col(PaymentRefund.created_at), col(PaymentRefund.id))
    )
    return list((await session.exec(query)).all())


async def payments_by_id(
    session: AsyncSession, *, actor: Actor, ids: Collection[UUID]
) -> list[PaymentIntent]:
    """The payments of `ids` the caller may see (get_payment's rule, in one read)."""
    actor.require_participant()
    rows = (await session.exec(select(PaymentIntent).where(col(PaymentIntent.id).in_(ids)))).all()
    return [intent for intent in rows if may_see(actor, intent)]


async def refunds_by_id(
    session: AsyncSession, *, actor: Actor, ids: Collection[UUID]
) -> list[PaymentRefund]:
    """The refunds of `ids` that paymentRefunds shows the caller: those of payments the
    caller may see."""
    rows = (await session.exec(select(PaymentRefund).where(col(PaymentRefund.id).in_(ids)))).all()
    payments = {row.payment_id for row in rows}
    seen = {p.id for p in await payments_by_id(session, actor=actor, ids=payments)}
    return [row for row in rows if row.payment_id in seen]
