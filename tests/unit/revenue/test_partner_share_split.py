"""A partner's monthly share: exact across streams, never a unit off any stream's share."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from domain.money import round_half_up
from domain.partners.shares import partner_shares

nets = st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=8)


@given(nets, st.integers(0, 10_000))
def test_the_parts_sum_to_the_rounded_total_and_stay_within_a_unit(
    found: list[int], bps: int
) -> None:
    shares = partner_shares([(f"s{i}", net) for i, net in enumerate(found)], bps)
    exact = [Fraction(net * bps, 10_000) for net in found]
    assert sum(s.share for s in shares) == round_half_up(sum(exact, Fraction(0)))
    assert all(abs(s.share - q) < 1 for s, q in zip(shares, exact, strict=True))


def test_three_streams_of_one_third() -> None:
    shares = partner_shares([("mdr", 1), ("origination_fee", 1), ("crowdfunding_fee", 1)], 5_000)
    assert [s.share for s in shares] == [1, 1, 0]  # 1.5 rounds to 2: the earlier streams first
    assert [s.share for s in partner_shares([("mdr", -101)], 1_000)] == [-10]
