"""Split rules (merchants) and fee plans (operators)."""

from __future__ import annotations

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.money import currency_of, parse_money
from domain.participants.roles import Role, Scope
from domain.payments import settlement
from domain.revenue.services import fee_plans, split_rules
from graph.context import Info
from graph.payloads import in_unit_of_work
from graph.payments.inputs import SplitShareInput, share_input
from graph.payments.types import (
    MerchantFeePlan,
    MerchantFeePlanPayload,
    PayoutFrequency,
    SplitRule,
    SplitRulePayload,
)
from graph.permissions import allow
from graph.relay import uuid_of


@strawberry.input
class CreateSplitRuleInput:
    name: str
    currency: str
    shares: list[SplitShareInput]
    is_default: bool = strawberry.field(default=False, description="Use it for your payments.")


@strawberry.input
class SetMerchantFeePlanInput:
    merchant_id: strawberry.ID
    currency: str
    percent_bps: int = strawberry.field(description="60 = 0.60 % of each payment.")
    fixed: str = strawberry.field(default="0", description='Per payment, e.g. "0.30".')
    payout_frequency: PayoutFrequency = settlement.PayoutFrequency.DAILY
    delay_days: int = 1
    weekday: int = 0
    minimum_payout: str = "0"


@strawberry.type
class RevenueMutations:
    @allow(Role.MERCHANT, key=Scope.PAYMENTS_WRITE)
    @strawberry.mutation(description="Merchants: a split rule for your payments.")
    @in_unit_of_work
    async def create_split_rule(
        self, info: Info, session: AsyncSession, input: CreateSplitRuleInput
    ) -> SplitRulePayload:
        ctx = info.context
        row = await split_rules.create_split_rule(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            name=input.name,
            currency=currency_of(input.currency).code,
            shares=[share_input(s, input.currency) for s in input.shares],
            is_default=input.is_default,
        )
        return SplitRulePayload(split_rule=SplitRule.of(row))

    @allow(Role.MERCHANT, key=Scope.PAYMENTS_WRITE)
    @strawberry.mutation(description="Merchants: stop using a split rule for new payments.")
    @in_unit_of_work
    async def archive_split_rule(
        self, info: Info, session: AsyncSession, id: strawberry.ID
    ) -> SplitRulePayload:
        ctx = info.context
        row = await split_rules.archive_split_rule(
            session=session, clock=ctx.clock, actor=ctx.actor, rule_id=uuid_of(id, "SplitRule")
        )
        return SplitRulePayload(split_rule=SplitRule.of(row))

    @allow(Role.OPERATOR)
    @strawberry.mutation(description="Operators: a merchant's fee (MDR) and payout schedule.")
    @in_unit_of_work
    async def set_merchant_fee_plan(
        self, info: Info, session: AsyncSession, input: SetMerchantFeePlanInput
    ) -> MerchantFeePlanPayload:
        ctx = info.context
        currency = currency_of(input.currency)
        terms = await fee_plans.set_fee_plan(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            plan=fee_plans.FeePlanInput(
                merchant_id=uuid_of(input.merchant_id, "Participant"),
                currency=currency.code,
                percent_bps=input.percent_bps,
                fixed=parse_money(input.fixed, currency, field="fixed").minor,
                payout_frequency=input.payout_frequency,
                delay_days=input.delay_days,
                weekday=input.weekday,
                minimum_payout=parse_money(
                    input.minimum_payout, currency, field="minimum_payout"
                ).minor,
            ),
        )
        return MerchantFeePlanPayload(fee_plan=MerchantFeePlan.of(terms))
