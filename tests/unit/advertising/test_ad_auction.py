"""The second-price auction, charging within budget, and inflation-proof counting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from domain.advertising.auction import QUALITY_2026_12_V1, Bid, run_auction
from domain.advertising.charging import Pricing, batch_charge, cumulative_cost
from domain.advertising.counting import click_counts, impression_key

bids = st.lists(
    st.builds(
        Bid,
        placement_id=st.uuids().map(str),
        bid=st.integers(1, 100_000),
        quality=st.fractions(Fraction(1, 10), Fraction(10)),
        created_order=st.integers(0, 1000),
    ),
    max_size=12,
    unique_by=lambda b: b.placement_id,
)


def test_equal_quality_pays_the_runner_up_plus_one_unit() -> None:
    q = Fraction(1)
    awards = run_auction(
        [Bid("a", 500, q, 0), Bid("b", 300, q, 1), Bid("c", 100, q, 2)], slots=2, reserve=50
    )
    assert [(a.placement_id, a.price) for a in awards] == [("a", 301), ("b", 101)]
    [alone] = run_auction([Bid("a", 500, q, 0)], slots=3, reserve=50)
    assert alone.price == 50


def test_quality_can_beat_a_higher_bid() -> None:
    awards = run_auction(
        [Bid("rich", 400, Fraction(1, 2), 0), Bid("good", 300, Fraction(2), 1)],
        slots=1,
        reserve=10,
    )
    assert [(a.placement_id, a.price) for a in awards] == [("good", 101)]  # 400 x 0.5 / 2 + 1


@given(bids, st.integers(1, 5), st.integers(1, 1_000))
def test_nobody_pays_more_than_its_bid_or_less_than_the_reserve(
    found: list[Bid], slots: int, reserve: int
) -> None:
    awards = run_auction(found, slots=slots, reserve=reserve)
    by_id = {b.placement_id: b for b in found}
    assert len(awards) <= slots
    for award in awards:
        assert reserve <= award.price <= by_id[award.placement_id].bid
    scores = [by_id[a.placement_id].bid * by_id[a.placement_id].quality for a in awards]
    assert scores == sorted(scores, reverse=True)


@given(st.lists(st.integers(0, 5_000), max_size=20), st.integers(1, 10_000), st.integers(0, 10**6))
def test_batches_add_up_to_the_exact_cost_and_never_pass_the_budget(
    batches: list[int], price: int, budget: int
) -> None:
    units = charged = 0
    for more in batches:
        charge = batch_charge(
            Pricing.CPM,
            units_now=units + more,
            price=price,
            charged=charged,
            budget=budget,
        )
        units, charged = units + more, charged + charge.amount
        assert charged <= budget
    assert charged == min(cumulative_cost(Pricing.CPM, units, price), budget)


def test_counting_resists_inflation() -> None:
    at = datetime(2026, 12, 7, 10, 15, tzinfo=UTC)
    assert impression_key("p", "v", at) == impression_key("p", "v", at + timedelta(minutes=40))
    assert impression_key("p", "v", at) != impression_key("p", "v", at + timedelta(hours=1))
    assert click_counts(viewer="v", advertiser="a", shown_at=at, at=at, clicked_before=False)
    assert not click_counts(viewer="a", advertiser="a", shown_at=at, at=at, clicked_before=False)
    assert not click_counts(viewer="v", advertiser="a", shown_at=None, at=at, clicked_before=False)
    assert not click_counts(viewer="v", advertiser="a", shown_at=at, at=at, clicked_before=True)
    late = at + timedelta(hours=2)
    assert not click_counts(viewer="v", advertiser="a", shown_at=at, at=late, clicked_before=False)
    assert QUALITY_2026_12_V1.quality(0, 0) == 1
    assert QUALITY_2026_12_V1.quality(0, 10**6) == Fraction(1, 10)
