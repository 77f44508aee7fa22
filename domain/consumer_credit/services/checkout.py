"""Paying an intent in 3, 6 or 12 installments, funded by partner banks' offers chosen by the
matching engine, or by the platform's book (domain/consumer_credit/services/funding.py).

The merchant is paid at once, less its BNPL discount (and, when it subsidises the credit,
the interest the shopper would have paid): the platform's receivable takes the whole price,
the merchant's wallet what it receives, platform revenue the rest; the banks' money moves
into the plan's escrow. A BNPL purchase is not
held in escrow: the funder has paid the merchant. The shopper's credit line, limited by the
risk engine's decision (services/credit_decisions.py), is consumed by the price and restored
by principal repaid or refunded; banks' offers see the engine's grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.actors import Actor
from domain.audit.service import Outcome, record
from domain.clock import Clock, today
from domain.consumer_credit.plans import INSTALLMENT_COUNTS, PLATFORM_PRODUCT, FeePayer, bnpl_plan
from domain.consumer_credit.services.accounts import discount_account, receivable_account
from domain.consumer_credit.services.claims import buyer_rate
from domain.consumer_credit.services.credit_decisions import current_decision, line_decision
from domain.consumer_credit.services.credit_lines import locked_line, use_credit
from domain.consumer_credit.services.funding import fund_purchase
from domain.consumer_credit.services.repayments import PlanWritten, plan_now
from domain.consumer_credit.tables import BnplInstallmentRow, BnplPlanRow
from domain.errors import InvalidInput
from domain.idempotency.answers import StoredAnswer
from domain.idempotency.service import run_once
from domain.ledger.services.posting import Leg, post_transfers
from domain.money import Money
from domain.payments.services.capture import merchant_party, record_capture
from domain.payments.services.intents import get_payment
from domain.payments.services.updates import start_paying, transition
from domain.payments.states import PaymentEvent
from domain.payments.tables import PaymentIntent
from domain.revenue.refund_reversal import CapturedSplit
from domain.revenue.splits import SplitLeg
from domain.wallets.services.accounts import wallet_account


@dataclass(frozen=True, slots=True)
class PlanBought(StoredAnswer):
    """What a checkout's key keeps: the payment and the installment plan that paid it."""

    payment_id: UUID
    plan_id: UUID


async def pay_in_installments(
    *,
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    payment_id: UUID,
    installments: int,
    idempotency_key: str,
) -> PlanWritten:
    """Buy now, pay later: the merchant is paid now, the shopper owes the installments."""
    shopper_id = actor.require_person()
    if installments not in INSTALLMENT_COUNTS:
        raise InvalidInput("must be 3, 6 or 12", field="installments")
    # As payIntent: a payment the caller may not see answers as a missing one.
    await get_payment(session, actor=actor, payment_id=payment_id, field="payment_id")
    # Decided (again, when stale) before the key's savepoint: a refusal keeps the decision.
    currency = (await session.get(PaymentIntent, payment_id)).currency  # type: ignore[union-attr]
    await current_decision(session, actor=actor, currency=currency, now=clock.now())

    written: list[PlanWritten] = []

    async def execute() -> PlanBought:
        now = clock.now()
        intent = await start_paying(
            session, payment_id=payment_id, shopper_id=shopper_id, funding="BNPL", now=now
        )
        line = await locked_line(session, shopper_id=shopper_id, currency=intent.currency)
        grade = (await line_decision(session, line)).grade  # the engine's, for banks' offers
        use_credit(line, intent.amount, now)
        plan = bnpl_plan(
            price=Money(intent.amount, intent.currency),
            count=installments,
            product=PLATFORM_PRODUCT,
            fee_payer=FeePayer(intent.installment_fee_payer),
            purchased_on=today(clock),
        )
        kept = plan.merchant_fee.minor + plan.merchant_subsidy.minor
        row = BnplPlanRow(
            payment_id=intent.id,
            shopper_id=shopper_id,
            merchant_id=intent.merchant_id,
            currency=intent.currency,
            price=intent.amount,
            installment_count=installments,
            fee_payer=plan.fee_payer.value,
            annual_rate=PLATFORM_PRODUCT.annual_rate,
            merchant_fee=plan.merchant_fee.minor,
            merchant_subsidy=plan.merchant_subsidy.minor,
            state="ACTIVE",
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
        rows = tuple(
            BnplInstallmentRow(
                plan_id=row.id,
                number=item.number,
                due_date=item.due_date,
                principal_due=item.principal.minor,
                interest_due=item.interest.minor,
            )
            for item in plan.installments
        )
        session.add_all(rows)
        legs = await fund_purchase(
            session, plan=row, grade=grade, buyer_rate=buyer_rate(row), now=now
        )
        receivable = await receivable_account(session, intent.currency, now)
        merchant = await wallet_account(
            session, owner_id=intent.merchant_id, currency=intent.currency, now=now
        )
        details = {"payment": str(intent.id)}
        legs.append(
            Leg(receivable, merchant, plan.merchant_receives.minor, "BNPL_PURCHASE", details)
        )
        if kept:
            discount = await discount_account(session, intent.currency, now)
            legs.append(Leg(receivable, discount, kept, "BNPL_DISCOUNT", details))
        await post_transfers(
            session, legs=[leg for leg in legs if leg.amount > 0], now=now, journal_id=uuid4()
        )
        intent.paid_at = now
        # Captured at once, the whole price: the platform keeps its discount, the merchant
        # receives the rest, as a payment's split records it.
        split = CapturedSplit(
            fee=Money(kept, intent.currency),
            legs=(SplitLeg(merchant_party(intent), plan.merchant_receives),),
        )
        record_capture(session, intent, split, intent.amount, now)
        await transition(session, intent, PaymentEvent.SUCCEED, now)
        record(
            session,
            actor=actor,
            action="payments.pay_in_installments",
            outcome=Outcome.SUCCESS,
            at=now,
            target_type="PaymentIntent",
            target_id=intent.id,
            details={"installments": installments},
        )
        written.append(PlanWritten(row, rows, intent))
        return PlanBought(payment_id=intent.id, plan_id=row.id)

    answer = await run_once(
        session,
        actor=actor,
        clock=clock,
        key=idempotency_key,
        operation="bnpl.checkout",
        request={"payment": str(payment_id), "installments": installments},
        execute=execute,
        answer=PlanBought,
    )
    return written[0] if written else await plan_now(session, answer.plan_id)
