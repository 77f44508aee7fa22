"""Promoted slots: CPM and CPC placements in one second-price auction, each paying in its own
unit, never above its bid nor below its reserve; and the placement state table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.advertising.charging import Pricing
from domain.advertising.slots import SLOTS_2026_12_V1, Candidate, award_slots
from domain.advertising.states import (
    TRANSITIONS,
    PlacementNotActive,
    PlacementState,
    next_state,
)

RULE = SLOTS_2026_12_V1

candidates = st.lists(
    st.builds(
        Candidate,
        placement_id=st.uuids().map(str),
        pricing=st.sampled_from(Pricing),
        bid=st.integers(1, 50_000),
        clicks=st.integers(0, 50),
        impressions=st.integers(0, 5_000),
        created_order=st.integers(0, 1_000),
    ),
    max_size=10,
    unique_by=lambda c: c.placement_id,
)


def test_a_cpc_bid_competes_at_its_worth_per_thousand_at_the_baseline_ctr() -> None:
    # 60 per click at 1 % is 600 per thousand: it beats 500 CPM and pays 500 / 10 + 1, rounded up.
    cpc = Candidate("click", Pricing.CPC, 60, 0, 0, 1)
    cpm = Candidate("view", Pricing.CPM, 500, 0, 0, 0)

    top, second = award_slots([cpm, cpc], RULE)

    assert (top.placement_id, top.pricing, top.price) == ("click", Pricing.CPC, 51)
    assert (second.placement_id, second.price) == ("view", RULE.reserve_cpm)


def test_equal_bids_go_to_the_earlier_placement_at_its_own_bid() -> None:
    first, later = (
        Candidate("a", Pricing.CPM, 400, 0, 0, 0),
        Candidate("b", Pricing.CPM, 400, 0, 0, 1),
    )

    awards = award_slots([later, first], RULE)

    assert [(a.placement_id, a.price) for a in awards] == [("a", 400), ("b", 100)]


def test_bids_below_their_reserve_take_no_slot() -> None:
    low = [Candidate("a", Pricing.CPM, 99, 0, 0, 0), Candidate("b", Pricing.CPC, 9, 0, 0, 1)]
    assert award_slots(low, RULE) == []


@given(candidates)
def test_every_winner_pays_within_its_reserve_and_its_bid_in_slot_order(
    pool: list[Candidate],
) -> None:
    awards = award_slots(pool, RULE)
    by_id = {c.placement_id: c for c in pool}

    assert [a.slot for a in awards] == list(range(len(awards)))
    assert len(awards) == min(RULE.slots, sum(c.bid >= RULE.reserve(c.pricing) for c in pool))
    for award in awards:
        c = by_id[award.placement_id]
        assert award.pricing is c.pricing
        assert RULE.reserve(c.pricing) <= award.price <= c.bid


@given(candidates)
def test_raising_a_losers_bid_never_lowers_what_the_winner_pays(pool: list[Candidate]) -> None:
    awards = award_slots(pool, RULE)
    if len(awards) < 1 or len(pool) < 2:
        return
    winner = awards[0].placement_id
    raised = [
        c
        if c.placement_id == winner
        else Candidate(
            c.placement_id, c.pricing, c.bid + 1, c.clicks, c.impressions, c.created_order
        )
        for c in pool
    ]
    again = award_slots(raised, RULE)
    if again and again[0].placement_id == winner:
        assert again[0].price >= awards[0].price


@pytest.mark.parametrize("current", list(PlacementState))
@pytest.mark.parametrize("wanted", list(PlacementState))
def test_the_state_table_allows_exactly_its_edges(
    current: PlacementState, wanted: PlacementState
) -> None:
    if wanted in TRANSITIONS[current]:
        assert next_state(current, wanted) is wanted
    else:
        with pytest.raises(PlacementNotActive):
            next_state(current, wanted)


def test_only_an_active_placement_ends_and_every_end_is_final() -> None:
    assert {s for s, to in TRANSITIONS.items() if to} == {PlacementState.ACTIVE}
