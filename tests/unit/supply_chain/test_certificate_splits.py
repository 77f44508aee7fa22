"""Splitting a certificate: the parts always sum to the whole, each positive."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.supply_chain.errors import SplitRefused
from domain.supply_chain.splits import split_by_shares, split_certificate


def test_the_holder_keeps_the_rest() -> None:
    assert split_certificate(100_000, [40_000]) == [40_000, 60_000]
    assert split_certificate(100_000, [40_000, 60_000]) == [40_000, 60_000]


@pytest.mark.parametrize("parts", [[], [0], [-1, 2], [100_001], [60_000, 50_000], [100_000]])
def test_bad_parts_are_refused(parts: list[int]) -> None:
    with pytest.raises(SplitRefused):
        split_certificate(100_000, parts)


@given(st.integers(2, 10**13), st.lists(st.integers(1, 10**12), min_size=1, max_size=50))
def test_parts_sum_to_the_whole(whole: int, transfers: list[int]) -> None:
    try:
        parts = split_certificate(whole, transfers)
    except SplitRefused:
        assert sum(transfers) > whole or (sum(transfers) == whole and len(transfers) == 1)
        return
    assert sum(parts) == whole
    assert parts[: len(transfers)] == transfers
    assert all(part > 0 for part in parts)


@given(st.integers(1, 10**13), st.lists(st.integers(1, 1000), min_size=1, max_size=20))
def test_shares_split_exactly(whole: int, shares: list[int]) -> None:
    try:
        parts = split_by_shares(whole, shares)
    except SplitRefused:
        assert whole < len(shares) or any(share * whole < sum(shares) for share in shares)
        return
    assert sum(parts) == whole
    total = sum(shares)
    assert all(
        abs(part * total - share * whole) < total for part, share in zip(parts, shares, strict=True)
    )
