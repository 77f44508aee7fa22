"""Fund mutations: operators list funds; asset managers publish each closed day's income;
investors buy and redeem units (idempotencyKey: money moves)."""

from __future__ import annotations

from datetime import date

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.money import currency_of, parse_decimal, parse_money
from domain.participants.roles import Role, Scope
from domain.wealth.caps import CURRENT_CAPS
from domain.wealth.redemption import Speed
from domain.wealth.services import funds, reads, redeem, subscribe
from graph.context import Info
from graph.idempotency import IdempotencyKey
from graph.payloads import in_unit_of_work
from graph.permissions import SIGNED_IN, allow
from graph.relay import optional_uuid_of, uuid_of
from graph.wealth.types import (
    Fund,
    FundDay,
    FundDayPayload,
    FundHolding,
    FundHoldingPayload,
    FundPayload,
    FundRedemption,
    FundRedemptionPayload,
    RedemptionSpeed,
)


@strawberry.input(description="A money-market fund run by an asset manager.")
class CreateFundInput:
    name: str
    manager_id: strawberry.ID = strawberry.field(
        description="A Participant with the ASSET_MANAGER role."
    )
    currency: str = "CNY"
    management_fee_rate: str = strawberry.field(description='A year, on assets, e.g. "0.003".')
    caps_version: str = strawberry.field(default=CURRENT_CAPS.version)
    custodian_id: strawberry.ID | None = None
    custodian_fee_rate: str = "0"


@strawberry.input(description="A closed day's income per 10,000 units.")
class PublishFundIncomeInput:
    fund_id: strawberry.ID
    day: date
    income_per_10k: str = strawberry.field(description='Up to 4 decimal places, e.g. "0.6512".')


@strawberry.input
class SubscribeFundInput:
    fund_id: strawberry.ID
    amount: str
    currency: str


@strawberry.input
class RedeemFundInput:
    fund_id: strawberry.ID
    amount: str
    currency: str
    speed: RedemptionSpeed = Speed.INSTANT  # type: ignore[valid-type]


@strawberry.type
class WealthMutations:
    @allow(Role.OPERATOR)
    @strawberry.mutation(
        description="Operators: list a fund run by an asset manager; it takes purchases from "
        "today and earns from tomorrow."
    )
    @in_unit_of_work
    async def create_fund(
        self, info: Info, session: AsyncSession, input: CreateFundInput
    ) -> FundPayload:
        ctx = info.context
        row = await funds.create_fund(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            new=funds.NewFund(
                name=input.name,
                manager_id=uuid_of(input.manager_id, "Participant"),
                currency=currency_of(input.currency).code,
                management_fee_rate=parse_decimal(
                    input.management_fee_rate, field="management_fee_rate"
                ),
                caps_version=input.caps_version,
                custodian_id=optional_uuid_of(input.custodian_id, "Participant"),
                custodian_fee_rate=parse_decimal(
                    input.custodian_fee_rate, field="custodian_fee_rate"
                ),
            ),
        )
        [view] = await reads.fund_views(session, [row])
        return FundPayload(fund=Fund.of(view))

    @allow(Role.ASSET_MANAGER, key=Scope.FUNDS_WRITE)
    @strawberry.mutation(
        description="Asset managers: a closed day's income per 10,000 units of your fund; "
        "the worker pays it to the holders in units, days in order (a correction replaces "
        "it until then)."
    )
    @in_unit_of_work
    async def publish_fund_income(
        self, info: Info, session: AsyncSession, input: PublishFundIncomeInput
    ) -> FundDayPayload:
        ctx = info.context
        fund_id = uuid_of(input.fund_id, "Fund")
        row = await funds.publish_fund_income(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            fund_id=fund_id,
            day=input.day,
            income_per_10k=parse_decimal(input.income_per_10k, field="income_per_10k"),
        )
        [view] = await reads.funds(session, ids=[fund_id])
        return FundDayPayload(fund_day=FundDay.of(row, view.fund.currency))

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Buy units of an open fund from your wallet (within your holding and "
        "daily purchase caps); they earn from tomorrow."
    )
    @in_unit_of_work
    async def subscribe_fund(
        self,
        info: Info,
        session: AsyncSession,
        input: SubscribeFundInput,
        idempotency_key: IdempotencyKey,
    ) -> FundHoldingPayload:
        ctx = info.context
        view = await subscribe.subscribe_fund(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            fund_id=uuid_of(input.fund_id, "Fund"),
            amount=parse_money(input.amount, currency_of(input.currency), field="amount"),
            idempotency_key=idempotency_key,
        )
        return FundHoldingPayload(holding=FundHolding.of(view))

    @allow(SIGNED_IN)
    @strawberry.mutation(
        description="Redeem units to your wallet: INSTANT pays at once within your daily "
        "instant quota and the rest on the next business day; the units stop earning now."
    )
    @in_unit_of_work
    async def redeem_fund(
        self,
        info: Info,
        session: AsyncSession,
        input: RedeemFundInput,
        idempotency_key: IdempotencyKey,
    ) -> FundRedemptionPayload:
        ctx = info.context
        row = await redeem.redeem_fund(
            session=session,
            clock=ctx.clock,
            actor=ctx.actor,
            fund_id=uuid_of(input.fund_id, "Fund"),
            amount=parse_money(input.amount, currency_of(input.currency), field="amount"),
            speed=input.speed,
            idempotency_key=idempotency_key,
        )
        holding = await reads.holding_view(session, row.holding_id)
        return FundRedemptionPayload(
            redemption=FundRedemption.of(row),
            holding=FundHolding.of(holding) if holding else None,
        )
