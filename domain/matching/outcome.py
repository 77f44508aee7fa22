"""What matching decides: the fills, what stays unfilled, and why each source was or wasn't used."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import NamedTuple

from domain.matching.sources import SourceKind


class DecisionCode(Enum):
    TAKEN = "TAKEN"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    EXPIRED = "EXPIRED"
    GRADE_NOT_ACCEPTED = "GRADE_NOT_ACCEPTED"
    TERM_OUT_OF_RANGE = "TERM_OUT_OF_RANGE"
    NO_REFERENCE_RATE = "NO_REFERENCE_RATE"  # a spread offer, and no reference rate given
    RATE_TOO_LOW = "RATE_TOO_LOW"  # the loan pays less than the source asks
    NO_CAPACITY = "NO_CAPACITY"  # offer capacity or investor budget used up
    BORROWER_CAP_REACHED = "BORROWER_CAP_REACHED"
    LOAN_LIMIT_REACHED = "LOAN_LIMIT_REACHED"  # the funder holds its most in this loan
    BELOW_MINIMUM = "BELOW_MINIMUM"  # what it could take is below its minimum or one note
    BUYER_NOT_ACCEPTED = "BUYER_NOT_ACCEPTED"  # a supply-chain offer for other core enterprises
    CREDIT_LINE_REACHED = "CREDIT_LINE_REACHED"  # its credit line to the buyer is used up
    ABOVE_MAXIMUM = "ABOVE_MAXIMUM"  # the receivable is larger than the offer takes at once


@dataclass(frozen=True, slots=True)
class Fill:
    source_id: str
    kind: SourceKind
    funder_id: str
    amount: int
    annual_rate: Decimal  # what the funder earns


class Decision(NamedTuple):
    """One source considered, in the order considered: taken (with amount) or skipped.

    A named tuple, not a frozen dataclass: a match that reads 100k sources makes 100k of
    these, and a frozen dataclass's __init__ costs several times a tuple's.
    """

    source_id: str
    kind: SourceKind
    funder_id: str
    code: DecisionCode
    amount: int
    asking_rate: Decimal | None


@dataclass(frozen=True, slots=True)
class MatchResult:
    loan_id: str
    fills: tuple[Fill, ...]  # best price first
    unfilled: int
    decisions: tuple[Decision, ...]
    not_considered: int  # sources left unread once the loan was filled

    @property
    def filled(self) -> int:
        return sum(fill.amount for fill in self.fills)

    def passed_over(self) -> Counter[DecisionCode]:
        """The sources read and refused, by reason. Every source given is exactly one of a
        fill, one of these, or among `not_considered`. Counted when asked, not per match."""
        return Counter(d.code for d in self.decisions if d.code is not DecisionCode.TAKEN)
