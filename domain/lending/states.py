"""The life of a loan as an explicit transition table, and the states of its companions.

LISTED -> FUNDED -> ACTIVE (disbursed) -> CLOSED | DEFAULTED; LISTED -> EXPIRED when the
funding deadline passes unfunded. Every state change goes through `transition`, so a
loan never moves along an edge that is not in the table.
"""

from __future__ import annotations

from enum import Enum

from domain.errors import DomainError


class LoanState(Enum):
    LISTED = "LISTED"  # open to investors and bank offers until the funding deadline
    FUNDED = "FUNDED"  # fully committed: holds captured, disbursement follows
    ACTIVE = "ACTIVE"  # disbursed, being repaid
    CLOSED = "CLOSED"  # repaid in full
    DEFAULTED = "DEFAULTED"  # past the product's default threshold; covered or written off
    EXPIRED = "EXPIRED"  # not funded by its deadline; every hold released


class LoanEvent(Enum):
    FULLY_COMMITTED = "FULLY_COMMITTED"
    DISBURSED = "DISBURSED"
    REPAID = "REPAID"
    DEFAULT_THRESHOLD_PASSED = "DEFAULT_THRESHOLD_PASSED"
    DEADLINE_PASSED = "DEADLINE_PASSED"


TRANSITIONS: dict[tuple[LoanState, LoanEvent], LoanState] = {
    (LoanState.LISTED, LoanEvent.FULLY_COMMITTED): LoanState.FUNDED,
    (LoanState.LISTED, LoanEvent.DEADLINE_PASSED): LoanState.EXPIRED,
    (LoanState.FUNDED, LoanEvent.DISBURSED): LoanState.ACTIVE,
    (LoanState.ACTIVE, LoanEvent.REPAID): LoanState.CLOSED,
    (LoanState.ACTIVE, LoanEvent.DEFAULT_THRESHOLD_PASSED): LoanState.DEFAULTED,
}

TERMINAL = frozenset({LoanState.CLOSED, LoanState.DEFAULTED, LoanState.EXPIRED})


class LoanStateConflict(DomainError):
    code = "LOAN_STATE"


def transition(state: LoanState, event: LoanEvent) -> LoanState:
    """The state after `event`; LoanStateConflict if the table has no such edge."""
    following = TRANSITIONS.get((state, event))
    if following is None:
        raise LoanStateConflict(f"a {state.value} loan cannot take {event.value}", field="loan_id")
    return following


class ApplicationStatus(Enum):
    APPROVED = "APPROVED"  # an offer the borrower may accept
    REVIEW = "REVIEW"  # fraud rules want a person to look
    DECLINED = "DECLINED"
    ACCEPTED = "ACCEPTED"  # the loan is listed


class NoteStatus(Enum):
    HELD = "HELD"  # the funder's money is on hold until the loan is funded
    ACTIVE = "ACTIVE"  # a claim on a disbursed loan
    RELEASED = "RELEASED"  # the loan expired unfunded; the hold was voided
    SOLD = "SOLD"  # passed to another investor on the secondary market
    SPLIT = "SPLIT"  # divided into notes of its parts (note_split.py)
    CLOSED = "CLOSED"  # repaid
    DEFAULTED = "DEFAULTED"  # its loan defaulted: covered or written off, may still recover
