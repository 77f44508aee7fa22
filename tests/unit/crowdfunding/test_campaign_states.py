"""The campaign state machine: exactly the edges of the table, every other pair refused."""

from __future__ import annotations

import itertools

import pytest

from domain.crowdfunding.errors import CampaignStateConflict
from domain.crowdfunding.states import (
    PUBLIC_STATES,
    TRANSITIONS,
    CampaignEvent,
    CampaignState,
    transition,
)

S, E = CampaignState, CampaignEvent
EXPECTED = {
    (S.DRAFT, E.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, E.APPROVE): S.LIVE,
    (S.SUBMITTED, E.REJECT): S.REJECTED,
    (S.LIVE, E.SUCCEED): S.SUCCEEDED,
    (S.LIVE, E.FAIL): S.FAILED,
    (S.LIVE, E.CANCEL): S.CANCELLED,
    (S.SUCCEEDED, E.SETTLE): S.SETTLED,
    (S.FAILED, E.SETTLE): S.SETTLED,
    (S.CANCELLED, E.SETTLE): S.SETTLED,
}


@pytest.mark.parametrize(("state", "event"), list(itertools.product(S, E)))
def test_every_state_and_event_pair(state: CampaignState, event: CampaignEvent) -> None:
    if (state, event) in EXPECTED:
        assert transition(state, event) is EXPECTED[(state, event)]
    else:
        with pytest.raises(CampaignStateConflict):
            transition(state, event)


def test_the_table_is_exactly_the_expected_one() -> None:
    assert TRANSITIONS == EXPECTED


def test_settled_and_rejected_are_final() -> None:
    assert {state for state, _ in TRANSITIONS} & {S.SETTLED, S.REJECTED} == set()


def test_a_campaign_is_public_from_the_moment_it_goes_live() -> None:
    assert {S.DRAFT, S.SUBMITTED, S.REJECTED}.isdisjoint(PUBLIC_STATES)
    assert {S.LIVE, S.SETTLED} <= PUBLIC_STATES
