"""A merchant's settlement batch: what its released payments and refunds come to, and the payout.

An entry is one released payment or one refund, seen from the merchant's balance: the gross
amount, the platform's fee and the other parties' split legs (for a refund: what was given
back of each). An entry becomes payable `delay_days` after it happened (T+1 by default).
On a payout day of the merchant's schedule (daily, or one weekday) every payable entry not
yet settled goes into one batch:

    net = gross − refunds − fees − splits        (fees and splits net of their reversals)
    payout = carried_in + net, if that reaches the merchant's minimum payout; otherwise 0,
    and the whole amount (even a negative one, refunds exceeding sales) is carried over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

from domain.money import Money


class PayoutFrequency(Enum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"


@dataclass(frozen=True, slots=True)
class PayoutSchedule:
    minimum_payout: Money
    frequency: PayoutFrequency = PayoutFrequency.DAILY
    delay_days: int = 1  # T+1
    weekday: int = 0  # for WEEKLY: Monday is 0, as date.weekday()

    def __post_init__(self) -> None:
        if self.delay_days < 0 or not 0 <= self.weekday <= 6 or self.minimum_payout.minor < 0:
            raise ValueError("a delay of 0+ days, a weekday 0..6, a minimum payout of 0+")


class EntryKind(Enum):
    PAYMENT = "PAYMENT"
    REFUND = "REFUND"


@dataclass(frozen=True, slots=True)
class SettlementEntry:
    """A released payment or a refund; the kind gives the direction of its amounts.

    The amounts are >= 0, except that a refund's fee or splits may be -1 minor unit when
    largest remainder hands a unit back (see domain/revenue/refund_reversal.py).
    """

    kind: EntryKind
    reference: str  # the payment's or the refund's id
    occurred_on: date  # released on, or refunded on
    gross: Money  # captured from the buyer, or given back to the buyer
    fee: Money  # the platform's fee charged, or reversed
    splits: Money  # the other parties' legs paid, or reversed

    @property
    def sign(self) -> int:
        return 1 if self.kind is EntryKind.PAYMENT else -1

    @property
    def net(self) -> Money:
        """What the entry adds to (payment) or takes from (refund) the merchant's balance."""
        return Money(self.sign * (self.gross - self.fee - self.splits).minor, self.gross.currency)


@dataclass(frozen=True, slots=True)
class SettlementBatch:
    merchant_id: str
    settled_on: date
    entries: tuple[SettlementEntry, ...]
    gross: Money
    refunds: Money
    fees: Money
    splits: Money
    net: Money
    carried_in: Money
    payout: Money
    carried_out: Money = field(init=False)

    def __post_init__(self) -> None:
        carried_out = self.carried_in + self.net - self.payout
        object.__setattr__(self, "carried_out", carried_out)


def available_on(entry: SettlementEntry, schedule: PayoutSchedule) -> date:
    """The first day the entry may be paid out: T + delay_days."""
    return entry.occurred_on + timedelta(days=schedule.delay_days)


def is_payout_day(day: date, schedule: PayoutSchedule) -> bool:
    return schedule.frequency is PayoutFrequency.DAILY or day.weekday() == schedule.weekday


def entries_due(
    entries: Sequence[SettlementEntry], *, on: date, schedule: PayoutSchedule
) -> list[SettlementEntry]:
    """The entries payable on `on` (the caller passes those not settled yet)."""
    return [entry for entry in entries if available_on(entry, schedule) <= on]


def settle_merchant(
    *,
    merchant_id: str,
    entries: Sequence[SettlementEntry],
    on: date,
    schedule: PayoutSchedule,
    carried_in: Money,
) -> SettlementBatch:
    """The batch of `entries` (all payable by `on`) for a merchant on one of its payout days."""
    currency = carried_in.currency
    if not is_payout_day(on, schedule):
        raise ValueError(f"{on} is not a payout day of this merchant")
    if len(entries_due(entries, on=on, schedule=schedule)) != len(entries):
        raise ValueError("an entry is not payable yet on this day")
    if any(e.gross.currency != currency for e in entries) or (
        schedule.minimum_payout.currency != currency
    ):
        raise ValueError(f"a batch is settled in one currency, {currency}")

    def total(kind: EntryKind, amount_of: Callable[[SettlementEntry], Money]) -> int:
        return sum(amount_of(e).minor for e in entries if e.kind is kind)

    payments, refunds = EntryKind.PAYMENT, EntryKind.REFUND
    fees = total(payments, _fee) - total(refunds, _fee)
    splits = total(payments, _splits) - total(refunds, _splits)
    net = sum(e.net.minor for e in entries)
    available = carried_in.minor + net
    payout = available if available >= max(schedule.minimum_payout.minor, 1) else 0
    return SettlementBatch(
        merchant_id=merchant_id,
        settled_on=on,
        entries=tuple(entries),
        gross=Money(total(payments, _gross), currency),
        refunds=Money(total(refunds, _gross), currency),
        fees=Money(fees, currency),
        splits=Money(splits, currency),
        net=Money(net, currency),
        carried_in=carried_in,
        payout=Money(payout, currency),
    )


def _gross(entry: SettlementEntry) -> Money:
    return entry.gross


def _fee(entry: SettlementEntry) -> Money:
    return entry.fee


def _splits(entry: SettlementEntry) -> Money:
    return entry.splits
