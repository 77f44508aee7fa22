"""Distribution of a received repayment among note holders and the platform, exactly.

Principal, interest and penalty are split among the notes in proportion to the principal
each note holds (largest remainder; ties to the larger note, then by note id, so the input
order never matters). Each holder earns interest at its own rate: of a note's interest it
keeps `funder rate / borrower rate` (half-up, never more than the note's share) and the rest
is the platform's interest spread. Fees are the platform's. Every part sums to what came in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from domain.lending.allocation import RepaymentAllocation
from domain.money import round_half_up, split_exactly


@dataclass(frozen=True, slots=True)
class NoteHolding:
    note_id: str
    holder_id: str
    principal: int  # the note's outstanding principal: its weight in every split
    annual_rate: Decimal  # what its holder earns


@dataclass(frozen=True, slots=True)
class ReceivedRepayment:
    """One repayment as allocated (see allocation.py), summed over its installments."""

    principal: int
    interest: int
    penalty: int = 0
    fees: int = 0

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.penalty + self.fees

    @classmethod
    def of(cls, allocation: RepaymentAllocation) -> ReceivedRepayment:
        """What an allocated repayment brought in, summed over its installments."""
        items = allocation.installments
        return cls(
            principal=sum(i.principal for i in items),
            interest=sum(i.interest for i in items),
            penalty=sum(i.penalty for i in items),
            fees=sum(i.fees for i in items),
        )


@dataclass(frozen=True, slots=True)
class HolderPayout:
    note_id: str
    holder_id: str
    principal: int
    interest: int
    penalty: int

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.penalty


@dataclass(frozen=True, slots=True)
class RepaymentDistribution:
    payouts: tuple[HolderPayout, ...]  # by note id
    platform_spread: int  # interest the borrower paid above the holders' rates
    platform_fees: int

    @property
    def total(self) -> int:
        return sum(p.total for p in self.payouts) + self.platform_spread + self.platform_fees


def distribute_repayment(
    received: ReceivedRepayment, notes: Sequence[NoteHolding], *, borrower_rate: Decimal
) -> RepaymentDistribution:
    """Who gets what of `received`: each note's share, and the platform's spread and fees."""
    if len({note.note_id for note in notes}) != len(notes):
        raise ValueError("note ids must be unique")
    # Larger notes first, then by id: split_exactly gives equal remainders to the earlier.
    ordered = sorted(notes, key=lambda note: (-note.principal, note.note_id))
    weights = [note.principal for note in ordered]
    principal = split_exactly(received.principal, weights)
    gross_interest = split_exactly(received.interest, weights)
    penalty = split_exactly(received.penalty, weights)
    payouts = tuple(
        sorted(
            (
                HolderPayout(
                    note.note_id,
                    note.holder_id,
                    principal[n],
                    holder_interest(
                        gross_interest[n], holder_rate=note.annual_rate, borrower_rate=borrower_rate
                    ),
                    penalty[n],
                )
                for n, note in enumerate(ordered)
            ),
            key=lambda payout: payout.note_id,
        )
    )
    spread = received.interest - sum(p.interest for p in payouts)
    return RepaymentDistribution(payouts, spread, received.fees)


def holder_interest(note_interest: int, *, holder_rate: Decimal, borrower_rate: Decimal) -> int:
    """A holder's part of the interest paid on its note: its rate's share, at most all of it."""
    if borrower_rate <= 0 or holder_rate >= borrower_rate:
        return note_interest
    # A share below one of a whole number: half-up never takes it above `note_interest`.
    return round_half_up(note_interest * Fraction(holder_rate) / Fraction(borrower_rate))
