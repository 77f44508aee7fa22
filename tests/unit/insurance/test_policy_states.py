"""The policy and claim state machines: exactly the edges of their tables, all else refused."""

from __future__ import annotations

import itertools

import pytest

from domain.insurance.errors import ClaimStateConflict, PolicyStateConflict
from domain.insurance.states import (
    CLAIM_TRANSITIONS,
    OUTSTANDING_CLAIMS,
    POLICY_TRANSITIONS,
    ClaimEvent,
    ClaimState,
    PolicyEvent,
    PolicyState,
    claim_transition,
    policy_transition,
)

P, PE = PolicyState, PolicyEvent
C, CE = ClaimState, ClaimEvent
POLICY_EDGES = {
    (P.ACTIVE, PE.EXPIRE): P.EXPIRED,
    (P.ACTIVE, PE.CANCEL): P.CANCELLED,
    (P.ACTIVE, PE.EXHAUST): P.CLAIMED_OUT,
}
CLAIM_EDGES = {
    (C.OPEN, CE.APPROVE): C.APPROVED,
    (C.OPEN, CE.REJECT): C.REJECTED,
    (C.APPROVED, CE.PAY): C.PAID,
    (C.APPROVED, CE.PAYMENT_FAILED): C.APPROVED_UNPAID,
    (C.APPROVED_UNPAID, CE.PAY): C.PAID,
}


@pytest.mark.parametrize(("state", "event"), list(itertools.product(P, PE)))
def test_every_policy_state_and_event_pair(state: PolicyState, event: PolicyEvent) -> None:
    if (state, event) in POLICY_EDGES:
        assert policy_transition(state, event) is POLICY_EDGES[(state, event)]
    else:
        with pytest.raises(PolicyStateConflict):
            policy_transition(state, event)


@pytest.mark.parametrize(("state", "event"), list(itertools.product(C, CE)))
def test_every_claim_state_and_event_pair(state: ClaimState, event: ClaimEvent) -> None:
    if (state, event) in CLAIM_EDGES:
        assert claim_transition(state, event) is CLAIM_EDGES[(state, event)]
    else:
        with pytest.raises(ClaimStateConflict):
            claim_transition(state, event)


def test_the_tables_are_exactly_the_expected_ones() -> None:
    assert POLICY_TRANSITIONS == POLICY_EDGES
    assert CLAIM_TRANSITIONS == CLAIM_EDGES


def test_every_end_of_a_policy_is_final_and_a_claim_ends_paid_or_rejected() -> None:
    assert {state for state, _ in POLICY_TRANSITIONS} == {P.ACTIVE}
    assert {state for state, _ in CLAIM_TRANSITIONS} & {C.PAID, C.REJECTED} == set()
    assert {C.OPEN, C.APPROVED, C.APPROVED_UNPAID} == OUTSTANDING_CLAIMS
