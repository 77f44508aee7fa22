"""What each party gives back when a captured payment is refunded, in part or in full (pure).

Stripe's refund_application_fee + reverse_transfer semantics: a refund is taken back from the
platform's fee and from every split leg in proportion to what each received. Several partial
refunds stay exact because the reversal is never computed refund by refund: the cumulative
reversal after R refunded is the largest-remainder split of R in proportion to what the
parties received, and one refund's reversal is the cumulative after it minus the cumulative
before it. Hence:

- every cumulative reversal is the party's exact share of R rounded down or up, so it never
  exceeds what the party received, and a refund of the whole payment returns every party
  to zero;
- each party's net (received − reversed) is within one minor unit of its exact share of the
  net captured amount, and the legs of each refund sum to the refund exactly.

The price of that exactness: with three or more parties, largest remainder can give a party
one minor unit less of a larger total (the Alabama paradox), so one refund's reversal for a
party may be −1 minor unit (never less); its cumulative reversal still only moves within
[0, received].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.money import Money, split_exactly
from domain.revenue.splits import SplitLeg


@dataclass(frozen=True, slots=True)
class CapturedSplit:
    """How a captured payment was shared: the platform's fee (MDR) and the split legs.

    The buyer paid `fee + sum(legs)`.
    """

    fee: Money
    legs: tuple[SplitLeg, ...]

    @property
    def captured(self) -> Money:
        return Money(self.fee.minor + sum(leg.amount.minor for leg in self.legs), self.currency)

    @property
    def currency(self) -> str:
        return self.fee.currency


@dataclass(frozen=True, slots=True)
class Reversal:
    """What is given back: `fee` by the platform's revenue, each leg by its party."""

    fee: Money
    legs: tuple[SplitLeg, ...]

    @property
    def total(self) -> Money:
        return Money(self.fee.minor + sum(leg.amount.minor for leg in self.legs), self.fee.currency)


class RefundExceedsRemaining(ValueError):
    """A refund of more than is left of the payment (or of nothing at all)."""


def reversed_after(split: CapturedSplit, refunded: Money) -> Reversal:
    """The cumulative reversal once `refunded` of the payment has been refunded in total."""
    _same_currency(split, refunded)
    if not 0 <= refunded.minor <= split.captured.minor:
        raise RefundExceedsRemaining(
            f"refunds total {refunded.text()}, beyond the {split.captured.text()} captured"
        )
    fee, *legs = split_exactly(
        refunded.minor, [split.fee.minor, *(leg.amount.minor for leg in split.legs)]
    )
    return _reversal(split, fee, legs)


def reverse_for_refund(split: CapturedSplit, *, refunded_before: Money, refund: Money) -> Reversal:
    """What each party gives back for one refund of `refund`, after `refunded_before`."""
    _same_currency(split, refund)
    remaining = split.captured.minor - refunded_before.minor
    if not 0 < refund.minor <= remaining:
        raise RefundExceedsRemaining(
            "a refund must be more than 0 and at most the "
            f"{Money(remaining, refund.currency).text()} that remains"
        )
    before = reversed_after(split, refunded_before)
    after = reversed_after(split, refunded_before + refund)
    return _reversal(
        split,
        after.fee.minor - before.fee.minor,
        [a.amount.minor - b.amount.minor for a, b in zip(after.legs, before.legs, strict=True)],
    )


def _reversal(split: CapturedSplit, fee: int, legs: Sequence[int]) -> Reversal:
    currency = split.currency
    return Reversal(
        fee=Money(fee, currency),
        legs=tuple(
            SplitLeg(leg.party, Money(amount, currency))
            for leg, amount in zip(split.legs, legs, strict=True)
        ),
    )


def _same_currency(split: CapturedSplit, amount: Money) -> None:
    if amount.currency != split.currency or any(
        leg.amount.currency != split.currency for leg in split.legs
    ):
        raise ValueError("a refund and the payment's split must share one currency")
