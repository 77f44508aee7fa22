"""Settlement entries from a payment's split and its refunds' reversals, as a merchant sees them.

The merchant's net of an entry is its own leg: for a released payment what its leg received,
for a refund what its leg gave back. The rest of the gross is the platform's fee and the
other parties' legs ("splits").
"""

from __future__ import annotations

from datetime import date

from domain.money import Money
from domain.payments.settlement import EntryKind, SettlementEntry
from domain.revenue.refund_reversal import CapturedSplit, Reversal
from domain.revenue.splits import Party, SplitLeg


def payment_entry(
    *, reference: str, released_on: date, split: CapturedSplit, merchant: Party
) -> SettlementEntry:
    """The entry of a payment released (or captured directly) on `released_on`."""
    return SettlementEntry(
        kind=EntryKind.PAYMENT,
        reference=reference,
        occurred_on=released_on,
        gross=split.captured,
        fee=split.fee,
        splits=_others(split.legs, merchant, split.currency),
    )


def refund_entry(
    *, reference: str, refunded_on: date, reversal: Reversal, merchant: Party
) -> SettlementEntry:
    """The entry of one refund, from what `reverse_for_refund` took back of each party."""
    currency = reversal.fee.currency
    return SettlementEntry(
        kind=EntryKind.REFUND,
        reference=reference,
        occurred_on=refunded_on,
        gross=reversal.total,
        fee=reversal.fee,
        splits=_others(reversal.legs, merchant, currency),
    )


def _others(legs: tuple[SplitLeg, ...], merchant: Party, currency: str) -> Money:
    if merchant not in {leg.party for leg in legs}:
        raise ValueError("the merchant has no leg in this split")
    return Money(sum(leg.amount.minor for leg in legs if leg.party != merchant), currency)
