"""Wealth's rows: money-market funds, investors' holdings, their purchases and redemptions,
and each day's income.

Units and money are BIGINT minor units of the fund's currency (a unit is worth 1.00). A
holding is a sub-account of the fund's ledger account: the fund's `units` is the sum of its
holdings' units and equals that account's balance; the daily income job moves every holding
with one statement (services/daily_income.py), never one ledger transfer per holding.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

RATE = sa.Numeric(12, 8)
PER_10K = sa.Numeric(10, 4)


def _minor() -> Any:
    return Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default="0"))


def _nullable_minor() -> Any:
    return Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))


def _moment(*, nullable: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=nullable))


class Fund(SQLModel, table=True):
    __tablename__ = "wealth_fund"
    __table_args__ = (
        sa.CheckConstraint(
            "units >= 0 AND residue >= 0 AND pending_redemptions >= 0", name="balances"
        ),
        sa.CheckConstraint("management_fee_rate >= 0 AND custodian_fee_rate >= 0", name="rates"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    manager_id: UUID = Field(foreign_key="participant.id", index=True)
    custodian_id: UUID | None = Field(default=None, foreign_key="participant.id")
    name: str = Field(max_length=120)
    currency: str = Field(max_length=3)
    state: str = Field(max_length=16)  # FundState
    caps_version: str = Field(max_length=48)
    calendar_version: str = Field(max_length=48)
    management_fee_rate: Decimal = Field(sa_column=sa.Column(RATE, nullable=False))
    custodian_fee_rate: Decimal = Field(sa_column=sa.Column(RATE, nullable=False))
    launched_on: date  # the first day it earns is the day after
    income_through: date  # the last day whose income is posted (launched_on until the first)
    units: int = _minor()  # every holding's units: the fund account's balance
    residue: int = _minor()  # rounding residues booked to the fund's residue account
    pending_redemptions: int = _minor()  # set aside for T+1 redemptions not yet paid
    holders: int = 0  # holdings with units
    management_fees: int = _minor()  # accrued to revenue stream `management_fee`
    custodian_fees: int = _minor()
    income_paid: int = _minor()  # every day's income to the holders, residues apart
    created_at: datetime = _moment()
    updated_at: datetime = _moment()


class FundHolding(SQLModel, table=True):
    __tablename__ = "wealth_holding"
    __table_args__ = (
        sa.UniqueConstraint("fund_id", "investor_id", name="wealth_holding_one_per_investor"),
        sa.CheckConstraint("units >= 0 AND total_income >= 0", name="units"),
        sa.Index("ix_wealth_holding_investor", "investor_id", "created_at"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    fund_id: UUID = Field(foreign_key="wealth_fund.id")
    investor_id: UUID = Field(foreign_key="participant.id")
    units: int = _minor()
    total_income: int = _minor()
    last_income: int = _minor()  # the income of `income_day`
    income_day: date | None = None  # the last day income was paid to it (if it earned)
    created_at: datetime = _moment()
    updated_at: datetime = _moment()


class FundMovement(SQLModel, table=True):
    """A purchase (+) or redemption (-) of units, by fund day: what the income job reads to
    know a holding's units at a past close (income.py's day counting)."""

    __tablename__ = "wealth_movement"
    __table_args__ = (
        sa.CheckConstraint("units <> 0", name="units_nonzero"),
        sa.Index("ix_wealth_movement_fund_day", "fund_id", "day"),
        sa.Index("ix_wealth_movement_holding_day", "holding_id", "day"),
    )

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    )
    fund_id: UUID = Field(foreign_key="wealth_fund.id")
    holding_id: UUID = Field(foreign_key="wealth_holding.id")
    day: date
    units: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))  # signed
    kind: str = Field(max_length=16)  # MovementKind
    created_at: datetime = _moment()


class FundRedemption(SQLModel, table=True):
    __tablename__ = "wealth_redemption"
    __table_args__ = (
        sa.CheckConstraint("instant >= 0 AND pending >= 0 AND instant + pending > 0", name="parts"),
        sa.Index("ix_wealth_redemption_due", "state", "due_on"),
        sa.Index("ix_wealth_redemption_investor", "investor_id", "created_at"),
        sa.Index("ix_wealth_redemption_holding_day", "holding_id", "requested_on"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    fund_id: UUID = Field(foreign_key="wealth_fund.id")
    holding_id: UUID = Field(foreign_key="wealth_holding.id")
    investor_id: UUID = Field(foreign_key="participant.id")
    currency: str = Field(max_length=3)
    speed: str = Field(max_length=16)  # Speed asked for
    instant: int = _minor()  # paid at once (T+0)
    pending: int = _minor()  # paid on `due_on` (T+1)
    state: str = Field(max_length=16)  # RedemptionState
    requested_on: date
    due_on: date | None = None
    paid_at: datetime | None = _moment(nullable=True)
    created_at: datetime = _moment()


class FundDay(SQLModel, table=True):
    """A fund day: the income per 10,000 units its manager published, and what posting it did."""

    __tablename__ = "wealth_fund_day"
    __table_args__ = (sa.CheckConstraint("income_per_10k >= 0", name="rate"),)

    fund_id: UUID = Field(foreign_key="wealth_fund.id", primary_key=True)
    day: date = Field(primary_key=True)
    income_per_10k: Decimal = Field(sa_column=sa.Column(PER_10K, nullable=False))
    published_by: UUID = Field(foreign_key="participant.id")
    published_at: datetime = _moment()
    posted_at: datetime | None = _moment(nullable=True)
    earning_units: int = _minor()  # units that earned the day
    income: int = _minor()  # the fund's income on them (rounded once)
    residue: int = _minor()  # of which booked to the fund's residue account
    holdings_paid: int = 0  # holdings that earned something
    assets_before: int = _minor()  # the previous day's closing assets (the fees' base)
    management_fee: int = _minor()
    custodian_fee: int = _minor()
    seven_day_yield: Decimal | None = Field(
        default=None, sa_column=sa.Column(sa.Numeric(12, 6), nullable=True)
    )


class LendingPlan(SQLModel, table=True):
    """An operator's lending plan (定期): investors' money pooled into loan notes."""

    __tablename__ = "wealth_plan"
    __table_args__ = (
        sa.CheckConstraint(
            "capacity > 0 AND minimum > 0 AND subscribed >= 0 AND subscribed <= capacity",
            name="capacity",
        ),
        sa.Index("ix_wealth_plan_state_closes", "state", "closes_at"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    name: str = Field(max_length=120)
    currency: str = Field(max_length=3)
    state: str = Field(max_length=16)  # PlanState
    term_months: int
    target_rate: Decimal = Field(sa_column=sa.Column(RATE, nullable=False))
    capacity: int = _minor()
    minimum: int = _minor()
    opens_at: datetime = _moment()
    closes_at: datetime = _moment()
    grades: list[str] = Field(sa_column=sa.Column(sa.ARRAY(sa.String(8)), nullable=False))
    max_loan_share: Decimal = Field(sa_column=sa.Column(RATE, nullable=False))
    fee_kind: str = Field(max_length=16)  # PlanFeeKind
    fee_rate: Decimal = Field(sa_column=sa.Column(RATE, nullable=False))
    # Early exit: refused for `lockup_months` after the window closes, then at this fee.
    lockup_months: int = Field(
        default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0")
    )
    early_exit_fee_rate: Decimal = Field(
        default=Decimal(0), sa_column=sa.Column(RATE, nullable=False, server_default="0")
    )
    subscribed: int = _minor()  # what investors put in
    investors: int = 0
    # Who holds the plan's notes: a participant of its own, whose wallet is the plan's cash
    # once the window closes, and whose auto-invest rule is the plan's matching source.
    holder_id: UUID = Field(foreign_key="participant.id")
    rule_id: UUID | None = Field(default=None, foreign_key="auto_invest_rule.id")
    matured_at: datetime | None = _moment(nullable=True)  # its notes went on sale
    exited_at: datetime | None = _moment(nullable=True)  # its investors were paid
    realised: int | None = _nullable_minor()  # what its notes and cash came to at exit
    fee: int | None = _nullable_minor()  # the management fee taken at exit
    created_by: UUID = Field(foreign_key="participant.id")
    created_at: datetime = _moment()
    updated_at: datetime = _moment()


class PlanStake(SQLModel, table=True):
    """An investor's money in a plan: its share of everything the plan holds."""

    __tablename__ = "wealth_plan_stake"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "investor_id", name="wealth_plan_stake_one_per_investor"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.Index("ix_wealth_plan_stake_investor", "investor_id", "created_at"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    plan_id: UUID = Field(foreign_key="wealth_plan.id")
    investor_id: UUID = Field(foreign_key="participant.id")
    amount: int = _minor()
    payout: int | None = _nullable_minor()  # what the investor was paid on leaving
    exit_fee: int | None = _nullable_minor()  # an early exit's fee (at maturity: none)
    exited_at: datetime | None = _moment(nullable=True)  # early, or at the plan's exit
    created_at: datetime = _moment()
    updated_at: datetime = _moment()


class PlanEarlyExit(SQLModel, table=True):
    """An investor's early exit from a lending plan (services/plan_early_exit.py): its share
    of the plan's cash paid at once, its share of the plan's notes carved into notes of the
    exit's own holder and sold on the secondary market; what they bring reaches the investor,
    less the plan's early-exit fee, as it arrives."""

    __tablename__ = "wealth_plan_exit"
    __table_args__ = (
        sa.UniqueConstraint("stake_id", name="wealth_plan_exit_one_per_stake"),
        sa.CheckConstraint("0 <= fee AND fee <= received", name="fee_within_received"),
        sa.Index("ix_wealth_plan_exit_state", "state", "deadline"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    plan_id: UUID = Field(foreign_key="wealth_plan.id", index=True)
    stake_id: UUID = Field(foreign_key="wealth_plan_stake.id")
    investor_id: UUID = Field(foreign_key="participant.id")
    # Holds the carved notes and, in its wallet, what they bring until it is paid out: a
    # participant of its own (as a plan's holder is), so the exit's money never mixes with
    # the plan's or the investor's.
    holder_id: UUID = Field(foreign_key="participant.id")
    currency: str = Field(max_length=3)
    state: str = Field(max_length=16)  # PlanExitState
    fee_rate: Decimal = Field(sa_column=sa.Column(RATE, nullable=False))
    cash: int = _minor()  # the investor's share of the plan's cash, paid at once
    notes: int = _minor()  # principal of the notes carved for it
    note_count: int = 0  # how many notes being repaid were carved (and listed)
    claims: int = _minor()  # its share of the plan's unrecovered claims on defaulted loans
    received: int = _minor()  # everything the exit has brought so far (before the fee)
    fee: int = _minor()  # the early-exit fee taken of it so far
    deadline: datetime = _moment()  # the platform's book buys what is unsold by then
    done_at: datetime | None = _moment(nullable=True)
    created_at: datetime = _moment()
    updated_at: datetime = _moment()
