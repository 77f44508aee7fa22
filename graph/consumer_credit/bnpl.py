"""Buy now, pay later for shoppers: pay an intent in installments, repay, see plans and credit."""

from __future__ import annotations

from dataclasses import field
from datetime import date, datetime

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.consumer_credit.services import bank_claims, checkout, repayments
from domain.consumer_credit.services.repayments import PlanWritten
from domain.consumer_credit.tables import (
    BnplFundingRow,
    BnplInstallmentRow,
    BnplPlanRow,
)
from domain.money import Money as DomainMoney
from domain.money import currency_of, parse_money
from domain.participants.roles import Role, Scope
from graph.context import Info
from graph.errors import UserError
from graph.idempotency import IdempotencyKey, IdempotentPayload
from graph.money import Money
from graph.payloads import in_unit_of_work
from graph.payments.types import FeePayer, PaymentIntent
from graph.permissions import SIGNED_IN, allow
from graph.relay import Node, to_global_id, uuid_of


@strawberry.type
class BnplInstallment:
    number: int
    due_date: date
    principal_due: Money = strawberry.field(description="Still owed.")
    interest_due: Money
    penalty_due: Money = strawberry.field(description="Penalty interest accrued while overdue.")
    principal_paid: Money
    interest_paid: Money
    penalty_paid: Money
    days_past_due: int
    bucket: str = strawberry.field(
        description="CURRENT, DPD_1_30, DPD_31_60, DPD_61_90, DPD_90_PLUS."
    )
    paid_at: datetime | None


@strawberry.type(description="A purchase paid in installments.")
class BnplPlan(Node):
    id: strawberry.ID
    payment_id: strawberry.ID
    price: Money
    installment_count: int
    fee_payer: FeePayer
    annual_rate: str = strawberry.field(description='A decimal string, "0.15" = 15 % a year.')
    refunded: Money
    outstanding: Money = strawberry.field(description="Principal, interest and penalty still owed.")
    state: str = strawberry.field(description="ACTIVE, PAID or REFUNDED.")
    installments: list[BnplInstallment]

    @classmethod
    def of(cls, plan: BnplPlanRow, rows: list[BnplInstallmentRow]) -> BnplPlan:
        def m(minor: int) -> Money:
            return Money.of(DomainMoney(minor, plan.currency))

        return cls(
            id=to_global_id("BnplPlan", plan.id),
            payment_id=to_global_id("PaymentIntent", plan.payment_id),
            price=m(plan.price),
            installment_count=plan.installment_count,
            fee_payer=FeePayer(plan.fee_payer),
            annual_rate=str(plan.annual_rate.normalize()),
            refunded=m(plan.refunded),
            outstanding=m(sum(r.owed for r in rows)),
            state=plan.state,
            installments=[
                BnplInstallment(
                    number=r.number,
                    due_date=r.due_date,
                    principal_due=m(r.principal_due),
                    interest_due=m(r.interest_due),
                    penalty_due=m(r.penalty_due),
                    principal_paid=m(r.principal_paid),
                    interest_paid=m(r.interest_paid),
                    penalty_paid=m(r.penalty_paid),
                    days_past_due=r.days_past_due,
                    bucket=r.bucket,
                    paid_at=r.paid_at,
                )
                for r in rows
            ],
        )


@strawberry.type(description="A partner bank's claim on a purchase it funded.")
class FundedPurchase(Node):
    id: strawberry.ID
    plan_id: strawberry.ID
    offer_id: strawberry.ID | None
    principal: Money = strawberry.field(description="What the bank advanced.")
    annual_rate: str = strawberry.field(description="What the bank earns, a decimal string.")
    principal_repaid: Money = strawberry.field(description="Repaid, or taken off by refunds.")
    interest_received: Money = strawberry.field(description="Interest and penalty received.")
    outstanding: Money
    installment_count: int
    plan_state: str = strawberry.field(description="ACTIVE, PAID or REFUNDED.")
    created_at: datetime

    @classmethod
    def of(cls, plan: BnplPlanRow, claim: BnplFundingRow) -> FundedPurchase:
        def m(minor: int) -> Money:
            return Money.of(DomainMoney(minor, plan.currency))

        return cls(
            id=to_global_id("BnplFunding", claim.id),
            plan_id=to_global_id("BnplPlan", plan.id),
            offer_id=to_global_id("FundingOffer", claim.offer_id) if claim.offer_id else None,
            principal=m(claim.principal),
            annual_rate=str(claim.annual_rate.normalize()),
            principal_repaid=m(claim.principal_repaid),
            interest_received=m(claim.interest_received),
            outstanding=m(claim.principal - claim.principal_repaid),
            installment_count=plan.installment_count,
            plan_state=plan.state,
            created_at=claim.created_at,
        )


@strawberry.type
class BnplPayload(IdempotentPayload):
    plan: BnplPlan | None = None
    payment_intent: PaymentIntent | None = None
    errors: list[UserError] = field(default_factory=list)


def _payload(written: PlanWritten) -> BnplPayload:
    return BnplPayload(
        plan=BnplPlan.of(written.plan, list(written.installments)),
        payment_intent=PaymentIntent.of(written.intent),
    )


@strawberry.type
class BnplQueries:
    @allow(SIGNED_IN)
    @strawberry.field(description="Shoppers: your installment plans, newest first.")
    async def bnpl_plans(self, info: Info) -> list[BnplPlan]:
        async with info.context.db() as session:
            found = await repayments.my_plans(session, actor=info.context.actor)
        return [BnplPlan.of(plan, rows) for plan, rows in found]

    @allow(Role.PARTNER_BANK, key=Scope.OFFERS_READ)
    @strawberry.field(
        description="Partner banks: the BNPL purchases your offers fund, newest first "
        "(offers:read)."
    )
    async def funded_purchases(self, info: Info) -> list[FundedPurchase]:
        async with info.context.db() as session:
            found = await bank_claims.funded_purchases(session, actor=info.context.actor)
        return [FundedPurchase.of(plan, claim) for plan, claim in found]


@strawberry.type
class BnplMutations:
    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Shoppers: pay an intent in 3, 6 or 12 monthly installments; the merchant "
        "is paid now; partner banks' offers chosen by the matching engine fund the purchase, the "
        "platform book what they don't."
    )
    @in_unit_of_work
    async def pay_in_installments(
        self,
        info: Info,
        session: AsyncSession,
        payment_id: strawberry.ID,
        installments: int,
        idempotency_key: IdempotencyKey,
    ) -> BnplPayload:
        ctx = info.context
        bought = await checkout.pay_in_installments(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            payment_id=uuid_of(payment_id, "PaymentIntent"),
            installments=installments,
            idempotency_key=idempotency_key,
        )
        return _payload(bought)

    @allow(SIGNED_IN)
    @strawberry.mutation(description="Shoppers: repay installments from your wallet, oldest first.")
    @in_unit_of_work
    async def repay_installments(
        self,
        info: Info,
        session: AsyncSession,
        plan_id: strawberry.ID,
        amount: str,
        currency: str,
        idempotency_key: IdempotencyKey,
    ) -> BnplPayload:
        ctx = info.context
        repaid = await repayments.repay_installments(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            plan_id=uuid_of(plan_id, "BnplPlan"),
            amount=parse_money(amount, currency_of(currency), field="amount"),
            idempotency_key=idempotency_key,
        )
        return _payload(repaid)
