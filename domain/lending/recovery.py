"""A defaulted loan: what the cover pays its funders, and who gets what the borrower pays
after the default.

The cover pays its share of the funders' outstanding principal, as much as its account
holds; the claim for what it paid passes to the guarantor or insurer. Money recovered from
the borrower later goes to that claim first, then to the funders for what the cover left
them, each in proportion to what is still owed to it (largest remainder); what exceeds
every claim stays with the borrower.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from domain.lending.products import Cover, CoverKind
from domain.money import round_half_up, split_exactly


def cover_due(cover: Cover, outstanding: int) -> int:
    """What the cover owes on `outstanding` principal: its share, half-up."""
    if cover.kind is CoverKind.NONE or outstanding <= 0:
        return 0
    return round_half_up(outstanding * Fraction(cover.share))


def cover_amount(cover: Cover, outstanding: int, *, available: int) -> int:
    """What the cover pays on `outstanding` principal: what it owes, at most `available`;
    the rest is its shortfall."""
    return max(min(cover_due(cover, outstanding), available), 0)


@dataclass(frozen=True, slots=True)
class RecoveryShares:
    guarantor: int  # towards what the cover paid
    notes: tuple[int, ...]  # towards each funder's uncovered principal, in the claims' order
    leftover: int  # beyond every claim: stays with the payer

    @property
    def applied(self) -> int:
        return self.guarantor + sum(self.notes)


def share_recovery(
    amount: int, *, guarantor_claim: int, note_claims: Sequence[int]
) -> RecoveryShares:
    """`amount` recovered after a default: the guarantor's claim first, then the funders'."""
    if amount < 0 or guarantor_claim < 0 or any(claim < 0 for claim in note_claims):
        raise ValueError("amounts and claims must not be negative")
    guarantor = min(amount, guarantor_claim)
    to_funders = min(amount - guarantor, sum(note_claims))
    # At most the claims' sum: no part exceeds its claim (each is its quota, rounded).
    notes = split_exactly(to_funders, list(note_claims))
    return RecoveryShares(guarantor, tuple(notes), amount - guarantor - to_funders)
