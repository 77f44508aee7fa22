"""The life of a policy and of a claim, as explicit transition tables (pure).

Policy: ACTIVE -> (EXPIRED | CANCELLED | CLAIMED_OUT); every end is final. A policy is
CLAIMED_OUT once its claims have paid its whole maximum payout.

Claim: OPEN -> (APPROVED | REJECTED); APPROVED -> (PAID | APPROVED_UNPAID);
APPROVED_UNPAID -> PAID (the payment retried once the insurer's account can pay it).
A PARTIAL decision is an approval of less than was claimed: the same edge, a smaller amount.
"""

from __future__ import annotations

from enum import Enum

from domain.insurance.errors import ClaimStateConflict, PolicyStateConflict


class PolicyState(Enum):
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"  # its term ended
    CANCELLED = "CANCELLED"  # by the holder; the unused premium refunded
    CLAIMED_OUT = "CLAIMED_OUT"  # its claims paid the whole maximum payout


class PolicyEvent(Enum):
    EXPIRE = "EXPIRE"
    CANCEL = "CANCEL"
    EXHAUST = "EXHAUST"


P, PE = PolicyState, PolicyEvent
POLICY_TRANSITIONS: dict[tuple[PolicyState, PolicyEvent], PolicyState] = {
    (P.ACTIVE, PE.EXPIRE): P.EXPIRED,
    (P.ACTIVE, PE.CANCEL): P.CANCELLED,
    (P.ACTIVE, PE.EXHAUST): P.CLAIMED_OUT,
}
del P, PE


def policy_transition(state: PolicyState, event: PolicyEvent) -> PolicyState:
    """The policy's state after `event`; PolicyStateConflict if the table has no such edge."""
    following = POLICY_TRANSITIONS.get((state, event))
    if following is None:
        raise PolicyStateConflict(
            f"a {state.value} policy cannot take {event.value}", field="policy_id"
        )
    return following


class ClaimState(Enum):
    OPEN = "OPEN"  # waiting for the insurer's decision (or the parametric table's)
    APPROVED = "APPROVED"  # decided; the payment is being made
    REJECTED = "REJECTED"  # with the insurer's reason
    APPROVED_UNPAID = "APPROVED_UNPAID"  # the insurer's account could not pay: retried
    PAID = "PAID"


class ClaimEvent(Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    PAY = "PAY"
    PAYMENT_FAILED = "PAYMENT_FAILED"


C, CE = ClaimState, ClaimEvent
CLAIM_TRANSITIONS: dict[tuple[ClaimState, ClaimEvent], ClaimState] = {
    (C.OPEN, CE.APPROVE): C.APPROVED,
    (C.OPEN, CE.REJECT): C.REJECTED,
    (C.APPROVED, CE.PAY): C.PAID,
    (C.APPROVED, CE.PAYMENT_FAILED): C.APPROVED_UNPAID,
    (C.APPROVED_UNPAID, CE.PAY): C.PAID,
}
del C, CE

# Claims that still owe the beneficiary money: the insurer's outstanding claims.
OUTSTANDING_CLAIMS = frozenset({ClaimState.OPEN, ClaimState.APPROVED, ClaimState.APPROVED_UNPAID})


def claim_transition(state: ClaimState, event: ClaimEvent) -> ClaimState:
    """The claim's state after `event`; ClaimStateConflict if the table has no such edge."""
    following = CLAIM_TRANSITIONS.get((state, event))
    if following is None:
        raise ClaimStateConflict(
            f"a {state.value} claim cannot take {event.value}", field="claim_id"
        )
    return following
