"""Wealth's events: a fund day's income was posted; a redemption was asked for or paid; a
lending plan matured or exited.

Money and units are minor units of `currency`; ids are the rows' ids as text; days and
moments ISO text; rates decimal text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.catalog import EventType
from domain.events.payloads import EventPayload, event_payload


@event_payload
@dataclass(frozen=True)
class FundIncomePosted(EventPayload):
    """A fund day's income, paid in units to the holders (told to the fund's manager)."""

    EVENT_TYPE: ClassVar[EventType] = EventType.FUND_INCOME_POSTED
    AGGREGATE_TYPE: ClassVar[str] = "Fund"

    fund_id: str
    day: str
    income_per_10k: str
    seven_day_yield: str | None
    currency: str
    earning_units: int
    income: int
    residue: int
    management_fee: int
    custodian_fee: int
    units: int  # the holders' units after the day


@event_payload
@dataclass(frozen=True)
class FundRedemptionUpdated(EventPayload):
    """A redemption as it is after the change: asked for (its T+0 part paid) or paid."""

    EVENT_TYPE: ClassVar[EventType] = EventType.FUND_REDEMPTION_UPDATED
    AGGREGATE_TYPE: ClassVar[str] = "FundRedemption"

    redemption_id: str
    fund_id: str
    state: str
    currency: str
    instant: int
    pending: int
    due_on: str | None
    paid_at: str | None


@event_payload
@dataclass(frozen=True)
class PlanMatured(EventPayload):
    """A lending plan an investor is in matured (MATURED: its notes are on the secondary
    market until `exit_deadline`) or exited (EXITED: the investor's payout is in its wallet).
    Told to that investor alone: the payout is its own."""

    EVENT_TYPE: ClassVar[EventType] = EventType.PLAN_MATURED
    AGGREGATE_TYPE: ClassVar[str] = "PlanStake"

    plan_id: str
    stake_id: str
    state: str
    currency: str
    stake: int  # what the investor put in
    payout: int | None  # EXITED: what it was paid
    realised: int | None  # EXITED: what the plan realised
    fee: int | None  # EXITED: the plan's management fee
    matured_at: str
    exit_deadline: str
    # EXITED: principal of the notes the platform's book could not buy, which the plan holds
    # to maturity (their repayments paid to the investors as they come)
    held: int = 0


@event_payload
@dataclass(frozen=True)
class PlanExitUpdated(EventPayload):
    """An investor's early exit from a lending plan as it is after the change: it left (its
    share of the cash paid, its notes listed), some of its notes sold or repaid, or it is
    DONE. Told to that investor alone."""

    EVENT_TYPE: ClassVar[EventType] = EventType.PLAN_EXIT_UPDATED
    AGGREGATE_TYPE: ClassVar[str] = "PlanStake"

    plan_id: str
    stake_id: str
    state: str  # PlanExitState
    currency: str
    cash: int  # its share of the plan's cash, paid at once
    notes: int  # principal of the notes carved for it
    received: int  # everything the exit has brought so far
    fee: int  # the early-exit fee taken of it so far
    paid: int  # received less the fee: in the investor's wallet
    deadline: str  # the platform's book buys what is unsold by then
