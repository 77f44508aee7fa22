"""The loan state machine: exactly the edges of the table, every other pair refused."""

from __future__ import annotations

import itertools

import pytest

from domain.lending.states import (
    TERMINAL,
    TRANSITIONS,
    LoanEvent,
    LoanState,
    LoanStateConflict,
    transition,
)

EXPECTED = {
    (LoanState.LISTED, LoanEvent.FULLY_COMMITTED): LoanState.FUNDED,
    (LoanState.LISTED, LoanEvent.DEADLINE_PASSED): LoanState.EXPIRED,
    (LoanState.FUNDED, LoanEvent.DISBURSED): LoanState.ACTIVE,
    (LoanState.ACTIVE, LoanEvent.REPAID): LoanState.CLOSED,
    (LoanState.ACTIVE, LoanEvent.DEFAULT_THRESHOLD_PASSED): LoanState.DEFAULTED,
}


@pytest.mark.parametrize(("state", "event"), list(itertools.product(LoanState, LoanEvent)))
def test_every_state_and_event_pair(state: LoanState, event: LoanEvent) -> None:
    if (state, event) in EXPECTED:
        assert transition(state, event) is EXPECTED[(state, event)]
    else:
        with pytest.raises(LoanStateConflict):
            transition(state, event)


def test_terminal_states_have_no_way_out() -> None:
    assert {state for state, _ in TRANSITIONS} & TERMINAL == set()
    assert TRANSITIONS == EXPECTED
