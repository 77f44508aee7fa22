"""Funds, holdings, redemptions and fund days as clients see them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from domain.money import Money as DomainMoney
from domain.wealth import redemption, states
from domain.wealth.caps import caps_of
from domain.wealth.services.reads import FundView, HoldingView
from domain.wealth.tables import FundDay as FundDayRow
from domain.wealth.tables import FundRedemption as RedemptionRow
from graph.advertising.promotion import Promotable
from graph.errors import UserError
from graph.idempotency import IdempotentPayload
from graph.money import Money
from graph.relay import Node, to_global_id

FundState = strawberry.enum(states.FundState, description="Whether a fund takes purchases.")
RedemptionState = strawberry.enum(
    states.RedemptionState, description="PAID, or PENDING until its business day (T+1)."
)
RedemptionSpeed = strawberry.enum(
    redemption.Speed,
    description="INSTANT: paid at once within your daily instant quota, the rest on the next "
    "business day; STANDARD: all on the next business day.",
)


def money(minor: int, currency: str) -> Money:
    return Money.of(DomainMoney(minor, currency))


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@strawberry.type(description="What one investor may hold, buy in a day, and redeem at once.")
class FundCaps:
    version: str
    holding_cap: Money
    daily_purchase_cap: Money
    instant_daily_quota: Money = strawberry.field(description="Redeemed T+0 in a day.")


@strawberry.type(description="A money-market fund (活期): units worth 1.00, income paid daily.")
class Fund(Node, Promotable):
    id: strawberry.ID
    name: str
    currency: str
    state: FundState  # type: ignore[valid-type]
    manager_id: strawberry.ID = strawberry.field(description="The asset manager's Participant.")
    income_per_10k: str | None = strawberry.field(
        description="The income of 10,000 units on incomeDay, a decimal string."
    )
    seven_day_yield: str | None = strawberry.field(
        description='The 7-day annualised yield, a fraction: "0.023851" is 2.3851 % (null '
        "before seven days of income)."
    )
    income_day: date | None = strawberry.field(description="The latest day whose income is paid.")
    management_fee_rate: str = strawberry.field(description="A year, on assets.")
    custodian_fee_rate: str
    caps: FundCaps
    launched_on: date

    @classmethod
    def of(cls, view: FundView) -> Fund:
        row, c = view.fund, view.fund.currency
        caps = caps_of(row.caps_version)
        return cls(
            id=to_global_id("Fund", row.id),
            name=row.name,
            currency=c,
            state=states.FundState(row.state),
            manager_id=to_global_id("Participant", row.manager_id),
            income_per_10k=_rate(view.income_per_10k),
            seven_day_yield=_rate(view.seven_day_yield),
            income_day=view.latest.day if view.latest else None,
            management_fee_rate=str(row.management_fee_rate.normalize()),
            custodian_fee_rate=str(row.custodian_fee_rate.normalize()),
            caps=FundCaps(
                version=caps.version,
                holding_cap=money(caps.holding_cap, c),
                daily_purchase_cap=money(caps.daily_purchase_cap, c),
                instant_daily_quota=money(caps.instant_daily_quota, c),
            ),
            launched_on=row.launched_on,
        )


@strawberry.type(description="A fund's book, as its asset manager and operators see it.")
class FundBook:
    fund: Fund
    units: Money = strawberry.field(description="Every holder's units: what is held for them.")
    holders: int
    residue: Money = strawberry.field(description="Rounding residues booked to the fund.")
    pending_redemptions: Money = strawberry.field(description="Set aside for T+1 redemptions.")
    income_paid: Money = strawberry.field(description="Every day's income paid in units.")
    management_fees: Money = strawberry.field(description="Revenue stream management_fee.")
    custodian_fees: Money
    income_through: date = strawberry.field(
        description="The last day posted (the launch day before the first)."
    )

    @classmethod
    def of(cls, view: FundView) -> FundBook:
        row, c = view.fund, view.fund.currency
        return cls(
            fund=Fund.of(view),
            units=money(row.units, c),
            holders=row.holders,
            residue=money(row.residue, c),
            pending_redemptions=money(row.pending_redemptions, c),
            income_paid=money(row.income_paid, c),
            management_fees=money(row.management_fees, c),
            custodian_fees=money(row.custodian_fees, c),
            income_through=row.income_through,
        )


@strawberry.type(description="A fund day: the income its manager published, and its posting.")
class FundDay:
    day: date
    income_per_10k: str
    posted_at: datetime | None = strawberry.field(description="Null until the worker posts it.")
    earning_units: Money
    income: Money = strawberry.field(description="The fund's income, rounded once.")
    residue: Money
    holdings_paid: int
    assets_before: Money = strawberry.field(description="The previous day's closing assets.")
    management_fee: Money
    custodian_fee: Money
    seven_day_yield: str | None

    @classmethod
    def of(cls, row: FundDayRow, currency: str) -> FundDay:
        c = currency
        return cls(
            day=row.day,
            income_per_10k=str(row.income_per_10k),
            posted_at=row.posted_at,
            earning_units=money(row.earning_units, c),
            income=money(row.income, c),
            residue=money(row.residue, c),
            holdings_paid=row.holdings_paid,
            assets_before=money(row.assets_before, c),
            management_fee=money(row.management_fee, c),
            custodian_fee=money(row.custodian_fee, c),
            seven_day_yield=_rate(row.seven_day_yield),
        )


@strawberry.type(description="An investor's units of a fund.")
class FundHolding(Node):
    id: strawberry.ID
    fund: Fund
    units: Money = strawberry.field(description="Units held, each worth 1.00.")
    yesterday_income: Money = strawberry.field(
        description="The income of the fund's latest posted day (incomeDay)."
    )
    income_day: date | None
    total_income: Money
    seven_day_yield: str | None

    @classmethod
    def of(cls, view: HoldingView) -> FundHolding:
        row, c = view.holding, view.fund.fund.currency
        return cls(
            id=to_global_id("FundHolding", row.id),
            fund=Fund.of(view.fund),
            units=money(row.units, c),
            yesterday_income=money(view.yesterday_income, c),
            income_day=view.income_day,
            total_income=money(row.total_income, c),
            seven_day_yield=_rate(view.fund.seven_day_yield),
        )


@strawberry.type(description="A redemption of fund units: T+0 within the quota, else T+1.")
class FundRedemption(Node):
    id: strawberry.ID
    fund_id: strawberry.ID
    state: RedemptionState  # type: ignore[valid-type]
    speed: RedemptionSpeed  # type: ignore[valid-type]
    amount: Money
    instant: Money = strawberry.field(description="Paid at once (T+0).")
    pending: Money = strawberry.field(description="Paid on dueOn (T+1).")
    requested_on: date
    due_on: date | None
    paid_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: RedemptionRow) -> FundRedemption:
        c = row.currency
        return cls(
            id=to_global_id("FundRedemption", row.id),
            fund_id=to_global_id("Fund", row.fund_id),
            state=states.RedemptionState(row.state),
            speed=redemption.Speed(row.speed),
            amount=money(row.instant + row.pending, c),
            instant=money(row.instant, c),
            pending=money(row.pending, c),
            requested_on=row.requested_on,
            due_on=row.due_on,
            paid_at=row.paid_at,
            created_at=row.created_at,
        )


@strawberry.type
class FundPayload:
    fund: Fund | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class FundDayPayload:
    fund_day: FundDay | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class FundHoldingPayload(IdempotentPayload):
    holding: FundHolding | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class FundRedemptionPayload(IdempotentPayload):
    redemption: FundRedemption | None = None
    holding: FundHolding | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
